"""``GET /api/v1/statistics/``: the public statistics page's figures, as JSON or CSV.

The same snapshot as the page (``sanctions.statistics``), counted by the hourly refresh: the API
never counts records. Anyone may read it, throttled as the rest of the public API.
"""

from __future__ import annotations

import csv
import io
import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from registry.csv_safety import safe_cell
from sanctions.statistics.selectors import CSV_COLUMNS, snapshot_document, statistics_current, statistics_rows

from ..developer_keys import DeveloperKeyAuthentication
from .throttles import PublicApiThrottle
from .views import COMMON, RETRY_AFTER, _error

FORMATS = ("json", "csv")


class StatisticsCsvRenderer(BaseRenderer):
    """The figures as long rows (figure, key, name, series, value), UTF-8 with BOM for spreadsheets."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if not isinstance(data, dict) or "records" not in data:  # an error: its JSON, readable as text
            return json.dumps(data, ensure_ascii=False).encode()
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in statistics_rows(data):
            writer.writerow({k: safe_cell(v) if isinstance(v, str) else v for k, v in row.items()})
        return ("\ufeff" + out.getvalue()).encode()


class NotCountedYet(APIException):
    status_code = 503
    default_detail = _(
        "The figures have not been counted yet. They are counted every hour; please come back later."
    )
    default_code = "not_counted_yet"
    wait = 300  # seconds, sent as Retry-After


class _KindCounts(serializers.Serializer):
    penalty = serializers.IntegerField()
    licence = serializers.IntegerField()
    reward = serializers.IntegerField()
    all = serializers.IntegerField()


class _Industry(_KindCounts):
    code = serializers.CharField(help_text="GB/T 4754-2017 section letter A–T; empty: industry not recorded.")


class _Province(_KindCounts):
    code = serializers.CharField(
        help_text="First two digits of the GB/T 2260 division code; empty: a code of no province."
    )
    name = serializers.CharField()


class _Month(_KindCounts):
    month = serializers.CharField(help_text="YYYY-MM, month of the decision date.")


class _Records(serializers.Serializer):
    total = _KindCounts()
    by_industry = _Industry(many=True)
    by_province = _Province(many=True)
    by_month = _Month(many=True, help_text="The last 24 months, oldest first, every month present.")


class _ListKind(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    name_en = serializers.CharField()
    nature = serializers.CharField()
    in_force = serializers.IntegerField(help_text="Listings in force today.")


class _ListMonth(serializers.Serializer):
    month = serializers.CharField()
    entries = serializers.DictField(child=serializers.IntegerField(), help_text="By list code.")
    exits = serializers.DictField(child=serializers.IntegerField(), help_text="By list code.")


class _Listings(serializers.Serializer):
    kinds = _ListKind(many=True)
    by_month = _ListMonth(many=True)


class _Outcome(serializers.Serializer):
    outcome = serializers.CharField()
    count = serializers.IntegerField()
    median_days = serializers.FloatField(allow_null=True, help_text="Calendar days from filing to decision.")
    p90_days = serializers.FloatField(allow_null=True)


class _Outcomes(serializers.Serializer):
    outcomes = _Outcome(many=True)
    pending = serializers.IntegerField(help_text="Not decided yet.")


class _Grade(serializers.Serializer):
    grade = serializers.CharField()
    label = serializers.CharField()
    label_en = serializers.CharField(
        default="", help_text="The label in English; empty when the model has none."
    )
    count = serializers.IntegerField()


class _Ratings(serializers.Serializer):
    model = serializers.CharField(allow_null=True, help_text="The default rating model's code.")
    model_name = serializers.CharField()
    model_name_en = serializers.CharField(
        default="", help_text="The model's name in English; empty when it has none."
    )
    grades = _Grade(many=True)
    rated = serializers.IntegerField()
    enterprises = serializers.IntegerField(help_text="Registered enterprises, rated or not.")


class StatisticsSerializer(serializers.Serializer):
    version = serializers.CharField(help_text="Changes with every refresh.")
    computed_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    as_of = serializers.DateField(help_text="The day the public-visibility rules were applied.")
    months = serializers.ListField(child=serializers.CharField())
    records = _Records(help_text="Public records: published, current, in publicity, not repaired.")
    listings = _Listings()
    repairs = _Outcomes(help_text="Credit repair applications: approved, rejected, withdrawn.")
    objections = _Outcomes(help_text="Objections: record corrected, revoked, upheld.")
    ratings = _Ratings()


class StatisticsView(APIView):
    """The public statistics (docs/statistics.md), refreshed every hour."""

    authentication_classes = [DeveloperKeyAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [PublicApiThrottle]
    renderer_classes = [JSONRenderer, StatisticsCsvRenderer]

    def perform_content_negotiation(self, request, force=False):
        # DRF answers an unknown ``?format=`` with a 404 and takes an empty one as none: refuse both,
        # as the schema does (``force``: the error's own answer is being rendered, in JSON).
        wanted = request.query_params.get("format")
        if not force and wanted is not None and wanted not in FORMATS:
            raise ValidationError({"format": [_("Ask for json or csv.")]})
        return super().perform_content_negotiation(request, force)

    @extend_schema(
        summary="Public statistics of the credit data",
        description="Public records by industry, province and month of decision; list entries and exits by "
        "month; repair and objection outcomes with processing times; enterprises by rating grade. "
        "Counted every hour from what the public pages show; `?format=csv` gives the same figures as "
        "rows (figure, key, name, series, value).",
        parameters=[
            OpenApiParameter(
                "format", OpenApiTypes.STR, enum=list(FORMATS), description="json (default) or csv."
            ),
            RETRY_AFTER,
        ],
        responses={
            (200, "application/json"): StatisticsSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            400: _error("`format` is neither json nor csv."),
            503: _error("Not counted yet (a new registry before its first hourly refresh)."),
            **COMMON,
        },
    )
    def get(self, request):
        snapshot = statistics_current()
        if snapshot is None:
            raise NotCountedYet
        response = Response(StatisticsSerializer(snapshot_document(snapshot)).data)
        response["Cache-Control"] = "public, max-age=300"
        return response
