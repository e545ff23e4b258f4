"""``GET /api/v1/public/enterprises/{uscc}/inspections``: an enterprise's published inspection results.

The same results as the credit page's 抽查检查结果 section (``sanctions.inspections.selectors
.published_results_for``), each with its plan's published seed and snapshot digest, so that a partner
can check the draw that picked the enterprise. Anyone may read it, throttled as the rest of the API.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from registry.selectors import enterprise_in_path
from sanctions.inspections.selectors import published_results_for
from sanctions.records.personal_data import public_text

from ..developer_keys import DeveloperKeyAuthentication
from .throttles import PublicApiThrottle
from .views import COMMON, NO_ENTERPRISE, RETRY_AFTER, USCC_PARAMETER


class PublicInspectionPlanSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    agency = serializers.CharField(source="agency.name")
    agency_uscc = serializers.CharField(source="agency.uscc")
    legal_basis = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    rates = serializers.DictField(
        child=serializers.CharField(), help_text='Sampling rate (%) per credit grade, and "ungraded".'
    )
    algorithm = serializers.CharField()
    seed = serializers.CharField(help_text="The published seed (32 bytes, hex) the draw was made with.")
    snapshot_sha256 = serializers.CharField(help_text="SHA-256 of the published population snapshot file.")
    snapshot_url = serializers.SerializerMethodField()

    def get_snapshot_url(self, plan) -> str:
        return f"/inspections/{plan.pk}/snapshot.json"


class PublicInspectionSerializer(serializers.Serializer):
    """One published random-inspection result (抽查检查结果)."""

    plan = PublicInspectionPlanSerializer()
    grade = serializers.CharField(help_text="The enterprise's credit grade when drawn; empty: ungraded.")
    outcome = serializers.CharField(
        help_text="no_problem, problems_corrected, problems_pending, not_found, no_activity or refused."
    )
    outcome_display = serializers.CharField(source="get_outcome_display")
    inspected_on = serializers.DateField()
    findings = serializers.SerializerMethodField(help_text="ID numbers and phone numbers in it are masked.")
    consequences = serializers.SerializerMethodField()
    published_at = serializers.DateTimeField()

    def get_findings(self, inspection) -> str:
        return public_text(inspection.findings, codes=(inspection.enterprise.uscc,))

    def get_consequences(self, inspection) -> str:
        return public_text(inspection.consequences, codes=(inspection.enterprise.uscc,))


@extend_schema(
    summary="An enterprise's published random-inspection results (抽查检查结果), latest first",
    parameters=[USCC_PARAMETER, RETRY_AFTER],
    responses={200: PublicInspectionSerializer(many=True), 404: NO_ENTERPRISE, **COMMON},
)
class EnterpriseInspectionsView(generics.ListAPIView):
    authentication_classes = [DeveloperKeyAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [PublicApiThrottle]
    serializer_class = PublicInspectionSerializer
    filter_backends: list = []

    def get_queryset(self):
        enterprise = enterprise_in_path(self.kwargs["uscc"])
        return (
            published_results_for(enterprise=enterprise).select_related("enterprise").defer("plan__snapshot")
        )
