"""Public API of the credit system: which joint measures apply to an enterprise on a day, and why.

Only measures of the published catalogue are ever returned (``measures.measures_for``): a measure
that is unpublished, not yet in force or ended cannot be imposed, so it cannot be answered here.
"""

from __future__ import annotations

import datetime as dt
import re

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.api.exceptions import error_response
from registry.api.token_views import ApiErrorSerializer
from registry.api.views import USCC_PATH_REGEX
from registry.models import Agency
from registry.selectors import enterprise_in_path
from registry.throttling import AnonRateThrottle, UserRateThrottle
from sanctions.choices import MeasureNature
from sanctions.lists.measures import AppliedMeasure, measures_for


class TriggerSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["listing"], help_text="What triggers the measure (a listing).")
    listing_id = serializers.IntegerField()
    list = serializers.CharField(help_text="The list's code, e.g. dishonest.")
    list_name = serializers.CharField()
    agency = serializers.CharField(help_text="The agency that decided the listing.")
    agency_uscc = serializers.CharField()
    document_number = serializers.CharField(help_text="The listing decision's document number.")
    grounds = serializers.CharField()
    legal_basis = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True, help_text="Null: until removed.")


class MemorandumRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    document_number = serializers.CharField()
    signed_on = serializers.DateField()


class AppliedMeasureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    nature = serializers.ChoiceField(choices=MeasureNature.values)
    description = serializers.CharField()
    legal_basis = serializers.CharField()
    effective_from = serializers.DateField()
    effective_to = serializers.DateField(allow_null=True)
    published_at = serializers.DateTimeField()
    memorandum = MemorandumRefSerializer()
    applying_agencies = serializers.ListField(
        child=serializers.CharField(), help_text="USCCs of the agencies."
    )
    trigger = TriggerSerializer()


class EnterpriseMeasuresSerializer(serializers.Serializer):
    enterprise = serializers.CharField(help_text="The enterprise's USCC.")
    enterprise_name = serializers.CharField()
    agency = serializers.CharField(allow_null=True, help_text="The agency asked about (USCC), or null: all.")
    date = serializers.DateField()
    measures = AppliedMeasureSerializer(many=True)


def applied_data(item: AppliedMeasure) -> dict:
    measure, listing = item.measure, item.listing
    return {
        "id": measure.pk,
        "name": measure.name,
        "nature": measure.nature,
        "description": measure.description,
        "legal_basis": measure.legal_basis,
        "effective_from": measure.effective_from,
        "effective_to": measure.effective_to,
        "published_at": measure.published_at,
        "memorandum": {
            "name": measure.memorandum.name,
            "document_number": measure.memorandum.document_number,
            "signed_on": measure.memorandum.signed_on,
        },
        "applying_agencies": sorted(a.uscc for a in measure.applying_agencies.all()),
        "trigger": {
            "type": "listing",
            "listing_id": listing.pk,
            "list": listing.list_kind_id,
            "list_name": listing.list_kind.name,
            "agency": listing.agency.name,
            "agency_uscc": listing.agency.uscc,
            "document_number": listing.document_number,
            "grounds": listing.grounds,
            "legal_basis": listing.legal_basis,
            "start_date": listing.start_date,
            "end_date": listing.end_date,
        },
    }


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ApiErrorSerializer, description=description)


class EnterpriseMeasuresView(APIView):
    """The joint rewards and punishments that apply to an enterprise on a day, each with its trigger."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, UserRateThrottle]

    @extend_schema(
        operation_id="enterprise_measures",
        summary="Joint measures that apply to an enterprise on a day",
        description=(
            "The measures of the published catalogue that apply to this enterprise on the given day "
            "(default: today), each with the listing that triggers it. With `agency`, only the measures "
            "that agency applies. A measure is returned only if it was published by that day, is in force "
            "that day (effective_from ≤ day ≤ effective_to) and its list has the enterprise on it that day."
        ),
        parameters=[
            OpenApiParameter(
                "uscc",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                pattern=f"^{USCC_PATH_REGEX}$",
                description="The enterprise's unified social credit code (18 characters).",
            ),
            OpenApiParameter(
                "agency",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=False,
                pattern=f"^{USCC_PATH_REGEX}$",
                description="USCC of the agency that applies the measures, 18 characters in upper case "
                "(omit: all agencies).",
            ),
            OpenApiParameter(
                "date",
                OpenApiTypes.DATE,
                OpenApiParameter.QUERY,
                required=False,
                description="The day, YYYY-MM-DD (default: today).",
            ),
        ],
        responses={
            200: EnterpriseMeasuresSerializer,
            400: _error("`date` is not a date (YYYY-MM-DD) or `agency` is not 18 characters of a USCC."),
            404: _error("No enterprise has this code, or no agency has the code given in `agency`."),
            429: _error("Too many requests; retry after the number of seconds in Retry-After."),
        },
    )
    def get(self, request, uscc: str):
        raw_date = request.query_params.get("date")
        on = timezone.localdate()
        if raw_date is not None:
            try:
                on = dt.date.fromisoformat(raw_date)
            except ValueError:
                return error_response(_("Enter the date as YYYY-MM-DD."), field="date")
            if len(raw_date) != 10:
                return error_response(_("Enter the date as YYYY-MM-DD."), field="date")
        raw_agency = request.query_params.get("agency")
        agency = None
        if raw_agency is not None:
            # As the schema says: the code as stored. One that fails its check character names no agency.
            if not re.fullmatch(USCC_PATH_REGEX, raw_agency):
                return error_response(_("An agency code is its 18-character USCC."), field="agency")
            agency = Agency.objects.filter(uscc=raw_agency).first()
            if agency is None:
                return error_response(_("No agency has this code."), field="agency", status_code=404)
        try:
            enterprise = enterprise_in_path(uscc)
        except Http404:
            return error_response(_("No enterprise has this code."), field="uscc", status_code=404)
        applied = measures_for(enterprise=enterprise, agency=agency, on=on)
        return Response(
            EnterpriseMeasuresSerializer(
                {
                    "enterprise": enterprise.uscc,
                    "enterprise_name": enterprise.name,
                    "agency": agency.uscc if agency else None,
                    "date": on,
                    "measures": [applied_data(item) for item in applied],
                }
            ).data
        )
