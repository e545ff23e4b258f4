"""Records API serializers: one output shape per use, and one input serializer per write action.

Input serializers check shape only (types, enums, lengths, code patterns); every rule of the
domain (required fields by kind, check characters, placeholders, the deciding authority, fines
keyed in yuan) is ``clean_record``'s, reached through the services.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from registry import uscc as uscc_codes
from sanctions.choices import (
    IdType,
    LicenceCategory,
    LicenceStatus,
    PartyCategory,
    RecordKind,
    RegulatoryField,
    Severity,
    UsageScope,
)
from sanctions.models import CreditRecord, RecordEvent
from sanctions.records.national_format import FIELDS as NATIONAL_FIELDS
from sanctions.records.personal_data import personal_data_warnings
from sanctions.records.selectors import record_history, record_versions
from sanctions.records.validation import RECORD_FIELDS, TEXT_LIMITS

# National field code (CF_*, XK_*, BZ) -> field name, for payloads in the national format.
NATIONAL_CODES: dict[str, str] = {
    code: field for field, national in NATIONAL_FIELDS.items() for code in national.codes
}


class USCCField(serializers.RegexField):
    """An 18-character code; spaces and hyphens are dropped and letters upper-cased before the check."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "Unified social credit code, 18 characters (GB 32100-2015).")
        super().__init__(uscc_codes.PATTERN, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = uscc_codes.compact(data)
        return super().to_internal_value(data)


def _text(field: str, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=TEXT_LIMITS[field], required=False, allow_blank=True, **kwargs)


def _choice(choices, **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=choices, required=False, allow_blank=True, **kwargs)


def _amount(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14, decimal_places=6, min_value=0, required=False, allow_null=True, help_text=help_text
    )


class RecordFieldsInput(serializers.Serializer):
    """Every field of a record, all optional: what a draft edit sends.

    Keys may be the field names or the national field codes (CF_* for penalties, XK_* for licences).
    """

    party_name = _text("party_name", help_text="CF_XDR_MC / XK_XDR_MC")
    party_category = _choice(PartyCategory.choices, help_text="CF_XDR_LB")
    party_uscc = USCCField(required=False, allow_blank=True)
    party_registration_number = serializers.RegexField(
        r"^\d{15}$", required=False, allow_blank=True, help_text="15 digits."
    )
    party_organization_code = serializers.RegexField(
        r"^[0-9A-Z]{8}[0-9X]$", required=False, allow_blank=True, help_text="9 characters."
    )
    party_tax_number = serializers.RegexField(
        r"^[0-9A-Z]{15,20}$",
        required=False,
        allow_blank=True,
        help_text="15 to 20 digits or capital letters.",
    )
    party_institution_number = _text("party_institution_number")
    party_social_org_number = _text("party_social_org_number")
    legal_representative = _text("legal_representative", help_text="CF_FRDB")
    legal_rep_id_type = _choice(IdType.choices)
    legal_rep_id_number = _text("legal_rep_id_number")
    document_name = _text("document_name", help_text="XK_XKWS")
    document_number = _text("document_number", help_text="CF_WSH / XK_WSH")
    violation_type = _text("violation_type", help_text="CF_WFXW")
    violation_facts = _text("violation_facts", help_text="CF_SY")
    legal_basis = _text("legal_basis", help_text="CF_YJ")
    penalty_categories = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        max_length=20,
        help_text="Codes from the penalty category catalogue (CF_CFLB), e.g. warning, fine, confiscation.",
    )
    content = _text("content", help_text="CF_NR / XK_NR")
    fine_amount = _amount("In 10,000 yuan (CF_NR_FK).")
    confiscated_amount = _amount("In 10,000 yuan (CF_NR_WFFF).")
    suspended_licence = _text("suspended_licence", help_text="CF_NR_ZKDX")
    fine_confirmed = serializers.BooleanField(
        required=False, help_text="Confirms an amount that looks as if it was keyed in yuan."
    )
    licence_category = _choice(LicenceCategory.choices, help_text="XK_XKLB")
    certificate_name = _text("certificate_name", help_text="XK_XKZS")
    certificate_number = _text("certificate_number", help_text="XK_XKBH")
    licence_status = _choice(LicenceStatus.choices, help_text="XK_ZT")
    decision_date = serializers.DateField(required=False, help_text="CF_JDRQ / XK_JDRQ; not in the future.")
    valid_from = serializers.DateField(required=False, allow_null=True, help_text="XK_YXQZ")
    valid_to = serializers.DateField(required=False, allow_null=True, help_text="CF_YXQ / XK_YXQZI")
    declared_publicity_end = serializers.DateField(required=False, allow_null=True, help_text="CF_GSJZQ")
    authority_name = _text("authority_name", help_text="CF_CFJG / XK_XKJG")
    authority_uscc = USCCField(required=False, help_text="CF_CFJGDM: your own agency's code.")
    source_unit_name = _text("source_unit_name", help_text="CF_SJLY")
    source_unit_uscc = USCCField(required=False, help_text="CF_SJLYDM")
    usage_scope = _choice(UsageScope.choices, help_text="CF_SYFW")
    severity = _choice(Severity.choices, help_text="CF_YZCD")
    regulatory_field = _choice(RegulatoryField.choices, help_text="CF_JGLY; empty: general.")
    is_exempt = serializers.BooleanField(required=False)
    exemption_reason = _text("exemption_reason")
    remarks = _text("remarks", help_text="BZ")

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            return super().to_internal_value(data)
        errors: dict[str, list[str]] = {}
        mapped: dict[str, Any] = {}
        for key, value in data.items():
            field = NATIONAL_CODES.get(key.upper(), key) if isinstance(key, str) else key
            if field in mapped:
                errors.setdefault(key, []).append(_("%(field)s is given twice.") % {"field": field})
            elif field not in self.fields:
                errors.setdefault(key, []).append(_("Unknown field."))
            else:
                mapped[field] = value
        if errors:
            raise serializers.ValidationError(errors)
        return super().to_internal_value(mapped)


class RecordCreateInput(RecordFieldsInput):
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    submit = serializers.BooleanField(default=False, help_text="Send to the reviewers at once.")
    agency = USCCField(
        required=False, help_text="The recording agency, when you work for several (default: your agency)."
    )
    party_name = serializers.CharField(
        max_length=TEXT_LIMITS["party_name"], help_text="CF_XDR_MC / XK_XDR_MC"
    )
    document_number = serializers.CharField(
        max_length=TEXT_LIMITS["document_number"], help_text="CF_WSH / XK_WSH"
    )
    decision_date = serializers.DateField(help_text="CF_JDRQ / XK_JDRQ; not in the future.")
    authority_name = serializers.CharField(
        max_length=TEXT_LIMITS["authority_name"], help_text="CF_CFJG / XK_XKJG"
    )
    authority_uscc = USCCField(help_text="CF_CFJGDM: your own agency's code.")
    source_unit_name = serializers.CharField(max_length=TEXT_LIMITS["source_unit_name"], help_text="CF_SJLY")
    source_unit_uscc = USCCField(help_text="CF_SJLYDM")

    def to_internal_value(self, data):
        if isinstance(data, dict) and "kind" not in data:
            # A payload in the national format says its kind by its codes.
            codes = {str(k).upper() for k in data}
            if any(c.startswith("CF_") for c in codes):
                data = {**data, "kind": RecordKind.PENALTY}
            elif any(c.startswith("XK_") for c in codes):
                data = {**data, "kind": RecordKind.LICENCE}
        return super().to_internal_value(data)


class RecordCorrectInput(RecordFieldsInput):
    reason = serializers.CharField(max_length=2000, help_text="Why the published record is corrected.")


class RecordSendBackInput(serializers.Serializer):
    comment = serializers.CharField(max_length=2000, help_text="What the clerk should change.")


class RecordRevokeInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why the decision was revoked or annulled.")


def record_data(validated: dict[str, Any]) -> dict[str, Any]:
    """The record fields of validated input, as the services take them."""
    return {k: v for k, v in validated.items() if k in RECORD_FIELDS}


# --- Output --------------------------------------------------------------------------------------


class AgencyRefSerializer(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


class PublicitySerializer(serializers.Serializer):
    rule = serializers.CharField(allow_null=True, help_text="The publicity rule applied.")
    legal_basis = serializers.CharField(allow_null=True)
    publicity_end = serializers.DateField(allow_null=True, help_text="Empty: while the licence is valid.")
    earliest_repair_date = serializers.DateField(allow_null=True)
    early_repair_allowed = serializers.BooleanField()
    publish_deadline = serializers.DateField(
        allow_null=True, help_text="Publish by this date (working days)."
    )
    never_published = serializers.BooleanField(help_text="A warning-only penalty: recorded, never public.")


class RecordEventSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="record.version")
    by = serializers.CharField(source="actor_label")

    class Meta:
        model = RecordEvent
        fields = ["action", "version", "by", "at", "comment", "changes"]
        read_only_fields = fields


class RecordVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CreditRecord
        fields = ["id", "version", "status", "is_current", "change_reason", "created_at", "published_at"]
        read_only_fields = fields


class RecordListSerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer(read_only=True)
    enterprise = serializers.SlugRelatedField(slug_field="uscc", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = CreditRecord
        fields = [
            "id",
            "record_key",
            "version",
            "is_current",
            "kind",
            "status",
            "status_display",
            "agency",
            "enterprise",
            "party_name",
            "document_number",
            "penalty_categories",
            "decision_date",
            "publicity_end",
            "updated_at",
        ]
        read_only_fields = fields


class RecordWarningSerializer(serializers.Serializer):
    field = serializers.CharField()
    message = serializers.CharField()
    code = serializers.CharField(
        help_text="personal_data: the free text holds an ID or phone number or a name."
    )


class RecordSerializer(serializers.ModelSerializer):
    agency = AgencyRefSerializer(read_only=True)
    enterprise = serializers.SlugRelatedField(slug_field="uscc", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    publicity = serializers.SerializerMethodField()
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    history = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    warnings = serializers.SerializerMethodField(
        help_text="Warnings, not errors: the record was saved. Free text that holds personal data is "
        "shown masked to the public; remove it unless the decision needs it."
    )

    class Meta:
        model = CreditRecord
        fields = [
            "id",
            "record_key",
            "version",
            "is_current",
            "kind",
            "status",
            "status_display",
            "agency",
            "enterprise",
            *RECORD_FIELDS,
            "publicity",
            "created_by",
            "submitted_at",
            "published_by",
            "published_at",
            "review_comment",
            "change_reason",
            "revoked_at",
            "revoked_reason",
            "created_at",
            "updated_at",
            "history",
            "versions",
            "warnings",
        ]
        read_only_fields = fields

    @extend_schema_field(PublicitySerializer)
    def get_publicity(self, obj: CreditRecord) -> dict:
        rule = obj.publicity_rule
        return {
            "rule": rule.name if rule else None,
            "legal_basis": rule.legal_basis if rule else None,
            "publicity_end": obj.publicity_end,
            "earliest_repair_date": obj.earliest_repair_date,
            "early_repair_allowed": obj.early_repair_allowed,
            "publish_deadline": obj.publish_deadline,
            "never_published": obj.never_published,
        }

    @extend_schema_field(RecordEventSerializer(many=True))
    def get_history(self, obj: CreditRecord) -> list[dict]:
        return RecordEventSerializer(record_history(record=obj), many=True).data

    @extend_schema_field(RecordVersionSerializer(many=True))
    def get_versions(self, obj: CreditRecord) -> list[dict]:
        return RecordVersionSerializer(record_versions(record=obj), many=True).data

    @extend_schema_field(RecordWarningSerializer(many=True))
    def get_warnings(self, obj: CreditRecord) -> list[dict]:
        return RecordWarningSerializer(personal_data_warnings(obj), many=True).data
