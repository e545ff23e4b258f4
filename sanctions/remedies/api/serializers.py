"""Remedies API serializers: one output shape per resource, and one input serializer per write action.

Input serializers check shape only (types, choices, lengths); the rules (who may decide, what is
still open, dates in order) are the services', reached through the views.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from sanctions.choices import CommitmentKind
from sanctions.models import Commitment, Objection, ObjectionEvidence, RepairApplication, RepairMaterial
from sanctions.records.api.serializers import AgencyRefSerializer, USCCField
from sanctions.remedies.commitments import COMMITMENT_OUTCOMES, CONTENT_MAX, NOTE_MAX
from sanctions.remedies.objections import LIMITS as OBJECTION_LIMITS
from sanctions.remedies.objections import UPHOLD_OR_REVOKE
from sanctions.remedies.repair import REASON_MAX, RepairDecision
from sanctions.remedies.selectors import is_application_overdue, is_commitment_overdue, objection_lateness


# --- Input ---------------------------------------------------------------------------------------
class RepairDecisionInput(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=RepairDecision.choices,
        help_text=_("approve: the record leaves public view (or the listing is removed); reject: it stays."),
    )
    reason = serializers.CharField(
        max_length=REASON_MAX, help_text=_("The reasons; the enterprise reads them.")
    )


class ObjectionDecisionInput(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=UPHOLD_OR_REVOKE,
        help_text=_("A record is corrected on the desk or through the records API, not here."),
    )
    reason = serializers.CharField(
        max_length=OBJECTION_LIMITS["reason"], help_text=_("The reasons; the objector reads them.")
    )


class CommitmentCreateInput(serializers.Serializer):
    enterprise = USCCField(help_text=_("The committing enterprise's unified social credit code."))
    agency = USCCField(
        required=False,
        help_text=_("The recording agency, when you work for several (default: your agency)."),
    )
    kind = serializers.ChoiceField(choices=CommitmentKind.choices)
    content = serializers.CharField(max_length=CONTENT_MAX, help_text=_("What the enterprise committed to."))
    legal_basis = serializers.CharField(
        max_length=300, help_text=_("The rule the commitment was given under; a breach record cites it.")
    )
    signed_on = serializers.DateField(help_text=_("Not in the future."))
    due_date = serializers.DateField(
        required=False, allow_null=True, help_text=_("When the promised document or performance is due.")
    )


class CommitmentDecisionInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=COMMITMENT_OUTCOMES)
    note = serializers.CharField(
        max_length=NOTE_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("For a breach, required: how the commitment was broken (the draft record's facts)."),
    )
    breached_on = serializers.DateField(
        required=False, allow_null=True, help_text=_("For a breach: the day it happened (default: today).")
    )


# --- Output --------------------------------------------------------------------------------------
class MaterialSerializer(serializers.ModelSerializer):
    """What is known of a repair material; the file itself is served on the desk only."""

    class Meta:
        model = RepairMaterial
        fields = ["id", "kind", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    """What is known of a piece of evidence; the file itself is served on the desk only."""

    class Meta:
        model = ObjectionEvidence
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class RepairApplicationSerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer(read_only=True, help_text=_("The deciding agency."))
    enterprise = serializers.SlugRelatedField(slug_field="uscc", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    materials = MaterialSerializer(many=True, read_only=True)

    class Meta:
        model = RepairApplication
        fields = [
            "id",
            "status",
            "status_display",
            "enterprise",
            "enterprise_name",
            "agency",
            "record",
            "listing",
            "statement",
            "submitted_at",
            "decide_by",
            "overdue",
            "decided_by",
            "decided_at",
            "decision_reason",
            "materials",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: RepairApplication) -> bool:
        return is_application_overdue(obj)


class ObjectionSerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer(read_only=True, help_text=_("The source agency."))
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    late = serializers.SerializerMethodField(
        help_text=_("The statutory deadlines this open objection has missed: forward, decide.")
    )
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = Objection
        fields = [
            "id",
            "reference",
            "status",
            "status_display",
            "record",
            "listing",
            "agency",
            "objector_name",
            "contact",
            "reason",
            "received_at",
            "mark_by",
            "forward_by",
            "forwarded_at",
            "decide_by",
            "late",
            "decided_by",
            "decided_at",
            "outcome_reason",
            "evidence",
        ]
        read_only_fields = fields

    def get_late(self, obj: Objection) -> list[str]:
        return objection_lateness(obj)


class CommitmentSerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer(read_only=True)
    enterprise = serializers.SlugRelatedField(slug_field="uscc", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "agency",
            "kind",
            "content",
            "legal_basis",
            "signed_on",
            "due_date",
            "overdue",
            "status",
            "status_display",
            "recorded_by",
            "created_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "breach_record",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: Commitment) -> bool:
        return is_commitment_overdue(obj)
