from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import uscc as uscc_codes
from ..choices import EnterpriseStatus, EntityType, Industry
from ..models import Agency, Enterprise
from ..selectors import division_describe, divisions_describe


class SentTextField(serializers.CharField):
    """Text whose length limit counts every character sent, as a schema's ``maxLength`` does.

    DRF trims first and checks the length after, so 300 characters and a hundred spaces pass a
    limit of 300. Here the limit is the sent text's; the spaces around are dropped afterwards, and a
    text of spaces only is blank.
    """

    strips_after_checks = True

    def __init__(self, **kwargs):
        kwargs["trim_whitespace"] = False
        super().__init__(**kwargs)

    def run_validation(self, data=serializers.empty):
        value = super().run_validation(data)
        if isinstance(value, str):
            value = value.strip()
            if not value and not self.allow_blank:
                self.fail("blank")
        return value


class CodeNameSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class DivisionRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    abolished_after = serializers.IntegerField(
        allow_null=True, help_text="Last year the division existed, if abolished."
    )


class FormerNameSerializer(serializers.Serializer):
    name = serializers.CharField()
    used_from = serializers.DateField(allow_null=True)
    used_until = serializers.DateField(allow_null=True)


def division_ref(code: str) -> dict:
    """A division as the API names it: its code, name and the last day it existed (null when unknown)."""
    return _ref(code, division_describe(code))


def division_refs(codes) -> dict[str, dict]:
    """``division_ref`` of each of these codes, the divisions read once for all of them."""
    return {code: _ref(code, found) for code, found in divisions_describe(codes).items()}


def _ref(code: str, found: dict | None) -> dict:
    return {
        "code": code,
        "name": found["name"] if found else None,
        "abolished_after": found["valid_until"] if found else None,
    }


class EnterpriseSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    entity_type_display = serializers.CharField(source="get_entity_type_display", read_only=True)
    industry_display = serializers.CharField(source="get_industry_display", read_only=True)
    authority = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    division = serializers.SerializerMethodField()
    former_names = FormerNameSerializer(many=True, read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "uscc",
            "name",
            "status",
            "status_display",
            "entity_type",
            "entity_type_display",
            "legal_representative",
            "registered_capital",
            "established_on",
            "domicile",
            "registration_authority",
            "authority",
            "category",
            "division",
            "industry",
            "industry_display",
            "registration_number",
            "organization_code",
            "tax_number",
            "is_legacy_code",
            "legacy_reason",
            "former_names",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(CodeNameSerializer)
    def get_authority(self, obj: Enterprise) -> dict:
        return {"code": obj.uscc[0], "name": obj.authority_name}

    @extend_schema_field(CodeNameSerializer)
    def get_category(self, obj: Enterprise) -> dict:
        return {"code": obj.uscc[1], "name": obj.category_name}

    @extend_schema_field(DivisionRefSerializer)
    def get_division(self, obj: Enterprise) -> dict:
        return division_ref(obj.division_code)


class EnterpriseWriteFields(serializers.Serializer):
    """Registration details as a registry administrator sends them; rules are the service's."""

    name = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(choices=EnterpriseStatus.choices, required=False)
    entity_type = serializers.ChoiceField(choices=EntityType.choices, required=False)
    legal_representative = serializers.CharField(max_length=100, required=False, allow_blank=True)
    registered_capital = serializers.DecimalField(
        max_digits=18,
        decimal_places=4,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="In units of 10,000 yuan.",
    )
    established_on = serializers.DateField(required=False, allow_null=True)
    domicile = serializers.CharField(max_length=300, required=False, allow_blank=True)
    registration_authority = serializers.CharField(max_length=200, required=False, allow_blank=True)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    registration_number = serializers.RegexField(r"^(\d{15})?$", required=False, allow_blank=True)
    organization_code = serializers.RegexField(r"^([0-9A-Z]{8}[0-9X])?$", required=False, allow_blank=True)
    tax_number = serializers.RegexField(r"^([0-9A-Z]{15,20})?$", required=False, allow_blank=True)


class EnterpriseCreateInput(EnterpriseWriteFields):
    uscc = serializers.RegexField(uscc_codes.PATTERN, help_text="18 characters, GB 32100-2015.")
    former_names = FormerNameSerializer(many=True, required=False)
    legacy = serializers.BooleanField(
        default=False,
        help_text="Accept a real code that fails the check character (registry administrators only).",
    )
    legacy_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class EnterpriseUpdateInput(EnterpriseWriteFields):
    name = serializers.CharField(max_length=200, required=False)


class AgencySerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    division = serializers.SerializerMethodField()
    parent = serializers.SlugRelatedField(slug_field="uscc", read_only=True)
    sectors = serializers.ListField(child=serializers.ChoiceField(choices=Industry.choices))

    class Meta:
        model = Agency
        fields = ["uscc", "name", "level", "level_display", "division", "parent", "sectors"]
        read_only_fields = fields

    @extend_schema_field(DivisionRefSerializer)
    def get_division(self, obj: Agency) -> dict:
        return division_ref(obj.division_id)


class USCCErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["required", "length", "character", "division", "authority", "org_check", "check"]
    )
    message = serializers.CharField()
    position = serializers.IntegerField(allow_null=True)


class USCCPartSerializer(serializers.Serializer):
    value = serializers.CharField()
    name = serializers.CharField(allow_null=True)


class USCCExplanationSerializer(serializers.Serializer):
    input = serializers.CharField()
    normalized = serializers.CharField()
    valid = serializers.BooleanField()
    display = serializers.CharField()
    errors = USCCErrorSerializer(many=True)
    authority = USCCPartSerializer(allow_null=True)
    category = USCCPartSerializer(allow_null=True)
    division = DivisionRefSerializer(allow_null=True)
    organization_code = serializers.CharField(allow_null=True)
    check_character = serializers.CharField(allow_null=True)
    expected_check_character = serializers.CharField(allow_null=True)
    registered = serializers.BooleanField(
        help_text="Whether an enterprise with this code is in the registry."
    )


class ApiErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        allow_null=True, help_text="The field path, e.g. party_uscc; empty for the whole."
    )
    message = serializers.CharField()
    code = serializers.CharField()


class ApiErrorSerializer(serializers.Serializer):
    """The body of every refusal, as ``registry.api.exceptions.exception_handler`` writes it."""

    detail = serializers.CharField()
    errors = ApiErrorItemSerializer(many=True)
