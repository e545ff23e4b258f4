from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.throttling import AnonRateThrottle, UserRateThrottle

from .. import services
from .. import uscc as uscc_codes
from ..filters import EnterpriseFilter
from ..models import Enterprise
from ..selectors import agency_list, division_describe, enterprise_list
from .serializers import (
    AgencySerializer,
    EnterpriseCreateInput,
    EnterpriseSerializer,
    EnterpriseUpdateInput,
    USCCExplanationSerializer,
)

ERROR_RESPONSES = {
    400: OpenApiResponse(description="Invalid input: `errors` lists each field path and message."),
    401: OpenApiResponse(description="Not signed in."),
    403: OpenApiResponse(description="Signed in, but not allowed (registry administrators only)."),
}
READ_RESPONSES = {
    429: OpenApiResponse(description="Too many requests; retry after the number of seconds in Retry-After."),
}
USCC_PATH_REGEX = "[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"


class PublicReadMixin:
    """Reads that citizens and partners make without an account: open, but throttled."""

    throttle_classes = [AnonRateThrottle, UserRateThrottle]

    def get_permissions(self):
        if self.action in {"list", "retrieve"}:
            return [AllowAny()]
        return [IsAuthenticated()]


@extend_schema_view(
    list=extend_schema(
        summary="Search enterprises",
        responses={
            200: EnterpriseSerializer(many=True),
            404: OpenApiResponse(description="Page past the last result or the result cap."),
            **READ_RESPONSES,
        },
    ),
    retrieve=extend_schema(
        summary="One enterprise by its USCC",
        responses={
            200: EnterpriseSerializer,
            404: OpenApiResponse(description="No enterprise has this code."),
            **READ_RESPONSES,
        },
    ),
)
class EnterpriseViewSet(
    PublicReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    parser_classes = [JSONParser]  # a form cannot say null, which several fields take
    lookup_field = "uscc"
    lookup_value_regex = USCC_PATH_REGEX

    def get_queryset(self):
        return enterprise_list().prefetch_related("former_names")

    @extend_schema(
        summary="Register an enterprise (registry administrators)",
        request=EnterpriseCreateInput,
        responses={201: EnterpriseSerializer, **ERROR_RESPONSES},
    )
    def create(self, request, *args, **kwargs):
        data = EnterpriseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        former = values.pop("former_names", [])
        legacy = values.pop("legacy", False)
        reason = values.pop("legacy_reason", "")
        enterprise = services.enterprise_register(
            actor=request.user, data=values, former_names=former, legacy=legacy, legacy_reason=reason
        )
        return Response(EnterpriseSerializer(enterprise).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an enterprise's details (registry administrators)",
        request=EnterpriseUpdateInput,
        responses={
            200: EnterpriseSerializer,
            404: OpenApiResponse(description="No enterprise has this code."),
            **ERROR_RESPONSES,
        },
    )
    def partial_update(self, request, *args, **kwargs):
        enterprise = self.get_object()
        data = EnterpriseUpdateInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_update(
            actor=request.user, enterprise=enterprise, data=dict(data.validated_data)
        )
        enterprise = Enterprise.objects.prefetch_related("former_names").get(pk=enterprise.pk)
        return Response(EnterpriseSerializer(enterprise).data)


@extend_schema_view(
    list=extend_schema(
        summary="Agencies",
        responses={
            200: AgencySerializer(many=True),
            404: OpenApiResponse(description="Page past the last result."),
            **READ_RESPONSES,
        },
    ),
    retrieve=extend_schema(
        summary="One agency by its USCC",
        responses={
            200: AgencySerializer,
            404: OpenApiResponse(description="No agency has this code."),
            **READ_RESPONSES,
        },
    ),
)
class AgencyViewSet(PublicReadMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = AgencySerializer
    lookup_field = "uscc"
    lookup_value_regex = USCC_PATH_REGEX
    filterset_fields = ["level"]

    def get_queryset(self):
        return agency_list().order_by("name")


def explain_code(value: str) -> dict:
    """What a typed code is, part by part: used by the API and the public pages."""
    analysis = uscc_codes.analyse(value)
    code = analysis.normalized
    division = None
    if analysis.division_code:
        found = division_describe(analysis.division_code)
        division = {
            "code": analysis.division_code,
            "name": found["name"] if found else None,
            "abolished_after": found["valid_until"] if found else None,
        }
    authority = None
    if analysis.authority:
        authority = {
            "value": analysis.authority,
            "name": str(uscc_codes.AUTHORITIES[analysis.authority])
            if analysis.authority in uscc_codes.AUTHORITIES
            else None,
        }
    category = None
    if analysis.category:
        known = uscc_codes.CATEGORIES.get((analysis.authority, analysis.category))
        category = {"value": analysis.category, "name": str(known) if known else None}
    return {
        "input": value,
        "normalized": code,
        "valid": analysis.is_valid,
        "display": uscc_codes.format_display(code),
        "errors": [{"code": e.code, "message": e.message, "position": e.position} for e in analysis.errors],
        "authority": authority,
        "category": category,
        "division": division,
        "organization_code": analysis.organization_code,
        "check_character": analysis.check_character,
        "expected_check_character": analysis.expected_check,
        "registered": len(code) == uscc_codes.LENGTH and Enterprise.objects.filter(uscc=code).exists(),
    }


class USCCExplainView(APIView):
    """Explain a unified social credit code: its parts with their names, valid or what is wrong."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, UserRateThrottle]

    @extend_schema(
        summary="Explain a USCC",
        parameters=[
            OpenApiParameter(
                "code",
                # The view refuses more than 64 characters (code points), so
                # the schema says so: a partner's generated client must not
                # send a longer one and expect a 200.
                {"type": "string", "maxLength": 64},
                OpenApiParameter.PATH,
                description="A code as typed: any case, spaces and hyphens allowed.",
            )
        ],
        responses={
            200: USCCExplanationSerializer,
            400: OpenApiResponse(description="The code is longer than 64 characters."),
            **READ_RESPONSES,
        },
    )
    def get(self, request, code: str):
        if len(code) > 64:
            return Response(
                {
                    "detail": _("A code has 18 characters."),
                    "errors": [
                        {"field": "code", "message": _("A code has 18 characters."), "code": "max_length"}
                    ],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(explain_code(code))
