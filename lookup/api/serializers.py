from __future__ import annotations

from django.urls import get_script_prefix, get_urlconf
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from registry.api.serializers import DivisionRefSerializer, SentTextField, division_ref, division_refs
from registry.choices import EnterpriseStatus, EntityType
from registry.models import Enterprise
from sanctions.choices import LicenceCategory, LicenceStatus, PartyCategory, RecordKind, Severity
from sanctions.lists.standing import LEVEL_LABELS, LEVELS

MAX_QUERY = 100
_CODE_SLOT = "0" * 18  # a code in an address reversed once, replaced by each row's code
# The addresses reversed, by view and by where the requests came (a host must be one ALLOWED_HOSTS takes).
_ADDRESSES: dict[tuple, str] = {}
_MAX_ADDRESSES = 256


class SearchQueryInput(serializers.Serializer):
    q = SentTextField(
        max_length=MAX_QUERY,
        help_text="A name, part of a name (two characters are enough), a former name, "
        "or a code (whole or its beginning).",
    )


class RecordsQueryInput(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=RecordKind.choices, required=False, help_text="Only records of this kind."
    )
    source = serializers.SlugField(
        required=False,
        max_length=32,
        help_text="Only records of this source platform: a partner's code, or this platform's own "
        "PLATFORM_CODE for its own records.",
    )


class PublicEnterpriseSummaryListSerializer(serializers.ListSerializer):
    """A page of search results written row by row without the fields' machinery: the same dictionaries
    as ``PublicEnterpriseSummarySerializer``'s (a test holds them equal), for a fraction of the cost
    (eight fields of twenty rows, each a method call or two through DRF, cost more than the search)."""

    def to_representation(self, data) -> list[dict]:
        child = self.child
        statuses = {value: str(label) for value, label in EnterpriseStatus.choices}
        rows = list(data)
        divisions = division_refs(obj.division_code for obj in rows)
        return [
            {
                "uscc": str(obj.uscc),
                "name": str(obj.name),
                "status": obj.status,
                "status_display": statuses.get(obj.status) or str(obj.get_status_display()),
                "entity_type": obj.entity_type,
                "division": dict(divisions[obj.division_code]),
                "url": child._address("public-enterprise-detail", obj.uscc),
                "page_url": child._address("lookup:enterprise", obj.uscc),
            }
            for obj in rows
        ]


class PublicEnterpriseSummarySerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=EnterpriseStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    entity_type = serializers.ChoiceField(choices=EntityType.choices)
    division = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="This enterprise in the public API.")
    page_url = serializers.SerializerMethodField(help_text="The enterprise's credit page.")

    class Meta:
        model = Enterprise
        fields = ["uscc", "name", "status", "status_display", "entity_type", "division", "url", "page_url"]
        read_only_fields = fields
        list_serializer_class = PublicEnterpriseSummaryListSerializer

    @extend_schema_field(DivisionRefSerializer)
    def get_division(self, obj: Enterprise) -> dict:
        return division_ref(obj.division_code)

    def get_url(self, obj: Enterprise) -> str:
        return self._address("public-enterprise-detail", obj.uscc)

    def get_page_url(self, obj: Enterprise) -> str:
        return self._address("lookup:enterprise", obj.uscc)

    def _address(self, view_name: str, uscc: str) -> str:
        """The absolute address of a view by code: reversed once per process for each address the
        requests come to (scheme, host, script prefix), not once per row (a page of results has twenty
        rows, and two addresses each) nor per response."""
        templates = self.__dict__.get("_addresses")
        if templates is None:
            templates = self.__dict__["_addresses"] = {}
        template = templates.get(view_name)
        if template is None:
            request = self.context.get("request")
            key = (
                (view_name, request.scheme, request.get_host(), get_script_prefix(), get_urlconf())
                if request is not None
                else None
            )
            template = _ADDRESSES.get(key) if key else None
            if template is None:
                template = reverse(view_name, kwargs={"uscc": _CODE_SLOT}, request=request)
                if key:
                    if len(_ADDRESSES) >= _MAX_ADDRESSES:
                        _ADDRESSES.clear()
                    _ADDRESSES[key] = template
            templates[view_name] = template
        return template.replace(_CODE_SLOT, uscc)


class PublicRecordSerializer(serializers.Serializer):
    """A public credit record as anyone may see it: natural persons' names masked, no ID numbers."""

    record_key = serializers.UUIDField(help_text="Stable across corrections of the same record.")
    version = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RecordKind.choices)
    kind_display = serializers.CharField()
    document_number = serializers.CharField()
    document_name = serializers.CharField(allow_blank=True)
    party_name = serializers.CharField(help_text="Masked (张*明) when the party is a natural person.")
    party_category = serializers.ChoiceField(choices=PartyCategory.choices)
    party_uscc = serializers.CharField(allow_blank=True, help_text="Empty for natural persons.")
    legal_representative = serializers.CharField(
        allow_blank=True,
        help_text="In full, a registration fact; masked (张*明) when the party is a natural person.",
    )
    content = serializers.CharField(
        allow_blank=True,
        help_text="Free text here and in the other text fields: ID and phone numbers and a natural-person "
        "party's name are masked.",
    )
    decision_date = serializers.DateField()
    publicity_end = serializers.DateField(
        allow_null=True, help_text="Empty: public while the licence is valid."
    )
    authority_name = serializers.CharField()
    authority_uscc = serializers.CharField()
    source_unit_name = serializers.CharField()
    source_unit_uscc = serializers.CharField()
    agency_name = serializers.CharField(help_text="The agency that recorded and published it.")
    agency_uscc = serializers.CharField()
    source_platform = serializers.CharField(
        help_text="The platform the record belongs to (its deciding agency's): this platform's "
        "PLATFORM_CODE for its own, a partner's code for a copy received by platform-to-platform sync."
    )
    source_platform_name = serializers.CharField(
        allow_blank=True, help_text="The partner platform's name (来源); empty for this platform's own."
    )
    source_platform_name_en = serializers.CharField(
        allow_blank=True, help_text="The partner platform's English name; empty for this platform's own."
    )
    severity = serializers.ChoiceField(choices=Severity.choices)
    is_exempt = serializers.BooleanField(help_text="Exempt (force majeure): no credit consequence.")
    rule_name = serializers.CharField(allow_blank=True, help_text="The publicity rule that set the period.")
    rule_legal_basis = serializers.CharField(allow_blank=True)
    violation_type = serializers.CharField(allow_null=True, help_text="Penalties only.")
    violation_facts = serializers.CharField(allow_null=True, help_text="Penalties only.")
    legal_basis = serializers.CharField(allow_null=True, help_text="Penalties only.")
    penalty_categories = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="Penalties only: catalogue codes."
    )
    fine_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=6,
        allow_null=True,
        coerce_to_string=True,
        help_text="Penalties only: 10,000 yuan.",
    )
    confiscated_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=6,
        allow_null=True,
        coerce_to_string=True,
        help_text="Penalties only: 10,000 yuan.",
    )
    suspended_licence = serializers.CharField(allow_null=True, help_text="Penalties only.")
    licence_category = serializers.ChoiceField(
        choices=LicenceCategory.choices, allow_null=True, help_text="Licences only."
    )
    certificate_name = serializers.CharField(allow_null=True, help_text="Licences only.")
    certificate_number = serializers.CharField(allow_null=True, help_text="Licences only.")
    licence_status = serializers.ChoiceField(
        choices=LicenceStatus.choices, allow_null=True, allow_blank=True, help_text="Licences only."
    )
    valid_from = serializers.DateField(allow_null=True, help_text="Licences only.")
    valid_to = serializers.DateField(allow_null=True, help_text="Licences only.")

    def to_representation(self, instance: dict) -> dict:
        full = {name: None for name in self.fields}
        full.update(instance)
        full["kind_display"] = str(RecordKind(full["kind"]).label)
        return {name: full[name] for name in self.fields}


class StandingListSerializer(serializers.Serializer):
    list_kind = serializers.CharField(help_text="The list's code: dishonest, watch, abnormal, …")
    name = serializers.CharField()
    count = serializers.IntegerField(help_text="The enterprise's listings in force on it.")


class StandingSerializer(serializers.Serializer):
    """The one standing every reader gets (``sanctions.lists.standing``), worded from what is listed."""

    uscc = serializers.CharField()
    level = serializers.ChoiceField(
        choices=[(level, str(LEVEL_LABELS[level])) for level in LEVELS],
        help_text="Worst first: inactive, dishonest, attention (a serious penalty, a watch or abnormal "
        "operations listing), penalised (penalties in publicity), good.",
    )
    label = serializers.CharField()
    reasons = serializers.ListField(
        child=serializers.CharField(), help_text="Each fact the level rests on, in words; empty when good."
    )
    summary = serializers.CharField(
        help_text="The sentence the credit page and the credit report print: the label and the reasons "
        "(or that there is no adverse record in publicity)."
    )
    penalties = serializers.IntegerField(help_text="Administrative penalties in their publicity period.")
    serious_penalties = serializers.IntegerField(help_text="Of them serious or specific serious, not exempt.")
    exempt_penalties = serializers.IntegerField(
        help_text="Of them exempt (force majeure): no credit consequence."
    )
    lists = StandingListSerializer(many=True, help_text="Lists of punishment or attention nature it is on.")
    as_of = serializers.DateField(help_text="The day this standing holds for.")


class PublicListingSerializer(serializers.Serializer):
    """A listing in force, as anyone may see it: the list, who decided it, on what grounds, until when."""

    list_kind = serializers.CharField(help_text="red, dishonest, watch, abnormal, …")
    list_name = serializers.CharField()
    nature = serializers.CharField(help_text="reward, punishment or attention")
    agency = serializers.CharField()
    agency_uscc = serializers.CharField()
    document_number = serializers.CharField()
    grounds = serializers.CharField(help_text="ID numbers and phone numbers in it are masked.")
    legal_basis = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    removal_conditions = serializers.CharField()
    source_platform = serializers.CharField(
        help_text="The platform the listing belongs to (its deciding agency's): this platform's "
        "PLATFORM_CODE for its own, a partner's code for a copy received by platform-to-platform sync."
    )
    source_platform_name = serializers.CharField(
        allow_blank=True, help_text="The partner platform's name (来源); empty for this platform's own."
    )
    source_platform_name_en = serializers.CharField(
        allow_blank=True, help_text="The partner platform's English name; empty for this platform's own."
    )


# --- annual ---
_OPTIONAL_HELP = "Null unless the enterprise chose to publish it (see `published_fields`)."


def _amount(help_text: str) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True, help_text=help_text)


class AnnualReportInvestmentSerializer(serializers.Serializer):
    uscc = serializers.CharField(help_text="The unified social credit code of the enterprise invested in.")
    name = serializers.CharField()


class AnnualReportWebsiteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["website", "shop"], help_text="A website or an online shop.")
    name = serializers.CharField()
    url = serializers.CharField()


class PublicAnnualReportSerializer(serializers.Serializer):
    """One year's annual report (its current version) as anyone may see it. Amounts in 10,000 yuan."""

    year = serializers.IntegerField(help_text="The year reported on (filed in the next year).")
    version = serializers.IntegerField(help_text="1 for the first filing; each correction adds one.")
    first_filed_on = serializers.DateField(help_text="When the report for this year was first filed.")
    corrected_on = serializers.ListField(
        child=serializers.DateField(), help_text="The day of each correction."
    )
    is_late = serializers.BooleanField(help_text="First filed after 30 June of the next year.")
    published_fields = serializers.ListField(
        child=serializers.CharField(), help_text="The optional figures the enterprise chose to publish."
    )
    operating_status = serializers.ChoiceField(choices=["operating", "suspended", "liquidating"])
    address = serializers.CharField()
    postal_code = serializers.CharField(allow_blank=True)
    phone = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    subscribed_capital = _amount("Subscribed capital.")
    paid_in_capital = _amount("Paid-in capital.")
    investments = AnnualReportInvestmentSerializer(many=True)
    websites = AnnualReportWebsiteSerializer(many=True)
    employees = serializers.IntegerField(allow_null=True, help_text=_OPTIONAL_HELP)
    total_assets = _amount(_OPTIONAL_HELP)
    total_liabilities = _amount(_OPTIONAL_HELP)
    owners_equity = _amount(_OPTIONAL_HELP)
    total_revenue = _amount(_OPTIONAL_HELP)
    main_business_revenue = _amount(_OPTIONAL_HELP)
    total_profit = _amount(_OPTIONAL_HELP)
    net_profit = _amount(_OPTIONAL_HELP)
    tax_paid = _amount(_OPTIONAL_HELP)
    insured_employees = serializers.IntegerField(allow_null=True, help_text=_OPTIONAL_HELP)
    social_insurance_contributions = _amount(_OPTIONAL_HELP)

    # --- end annual ---


class PublicShareholderSerializer(serializers.Serializer):
    """A shareholder or contributor: a natural person's name masked (张*丰), its code never given."""

    name = serializers.CharField(help_text="A natural person's name is masked: 张*丰.")
    kind = serializers.CharField(help_text="natural_person, enterprise or other")
    kind_display = serializers.CharField()
    uscc = serializers.CharField(help_text="An enterprise shareholder's code; empty for a natural person.")
    subscribed_amount = serializers.CharField(
        allow_null=True, help_text="In 10,000 yuan, as a decimal string."
    )
    subscribed_on = serializers.DateField(allow_null=True)
    paid_in_amount = serializers.CharField(allow_null=True, help_text="In 10,000 yuan, as a decimal string.")
    paid_in_on = serializers.DateField(allow_null=True)
    contribution_form = serializers.CharField(
        help_text="currency, in_kind, intellectual_property, land_use_right, equity, creditor_right, other"
    )
    contribution_form_display = serializers.CharField()


class PublicKeyPersonSerializer(serializers.Serializer):
    """A key person, named in full as registered (like the legal representative)."""

    name = serializers.CharField()
    role = serializers.CharField(help_text="chair, director, supervisor, manager, …")
    role_display = serializers.CharField()


class PublicBranchSerializer(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()
    registered_here = serializers.BooleanField(
        help_text="The branch is registered here too: /enterprises/{uscc}/ gives it."
    )


class PublicParentSerializer(serializers.Serializer):
    uscc = serializers.CharField()
    name = serializers.CharField()


class PublicChangeSerializer(serializers.Serializer):
    """An entry of the change history (变更记录)."""

    item = serializers.CharField(
        help_text="name, domicile, legal_representative, shareholder, personnel, branch, …"
    )
    item_display = serializers.CharField()
    before = serializers.JSONField(
        allow_null=True,
        help_text="The value before: a field's stored value, a shareholder object (name masked if a natural "
        "person), a list of {name, role}, or a branch {uscc, name}; null when something was added.",
    )
    after = serializers.JSONField(
        allow_null=True, help_text="The value after; null when something was removed."
    )
    before_text = serializers.CharField(help_text="The value before, in words, in the language asked for.")
    after_text = serializers.CharField()
    changed_on = serializers.DateField()


class PublicRegistrationSerializer(serializers.Serializer):
    """An enterprise's registration details as GSXT publishes them."""

    uscc = serializers.CharField()
    shareholders = PublicShareholderSerializer(many=True)
    shareholders_count = serializers.IntegerField()
    personnel = PublicKeyPersonSerializer(many=True)
    branches = PublicBranchSerializer(many=True)
    branches_count = serializers.IntegerField()
    parents = PublicParentSerializer(many=True, help_text="The enterprise(s) this one is a branch of.")
    changes_count = serializers.IntegerField(help_text="All entries of the change history: see /changes/.")
