"""Desk forms. They only collect what the clerk typed: every rule lives in ``clean_record`` and the
services, whose ``ValidationError`` is put back onto the fields (``add_service_error``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from registry.models import Agency
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
from sanctions.desk.forms import ServiceErrorsMixin
from sanctions.models import CreditRecord
from sanctions.records.filters import penalty_category_choices
from sanctions.records.personal_data import personal_data_warnings
from sanctions.records.validation import RECORD_FIELDS, REQUIRED, TEXT_LIMITS

BLANK = [("", "—")]
AMOUNT_FIELDS = ("fine_amount", "confiscated_amount")


def _text(label, *, help_text="", long=False, rows=3, **attrs) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows, **attrs}) if long else forms.TextInput(attrs=attrs)
    return forms.CharField(label=label, required=False, help_text=help_text, strip=True, widget=widget)


def _code(label, *, help_text="") -> forms.CharField:
    return _text(
        label,
        help_text=help_text,
        autocomplete="off",
        spellcheck="false",
        autocapitalize="characters",
        maxlength=30,
        **{"class": "code-input"},
    )


def _date(label, *, help_text="") -> forms.CharField:
    return forms.CharField(
        label=label, required=False, help_text=help_text, widget=forms.DateInput(attrs={"type": "date"})
    )


def _amount(label, *, help_text="") -> forms.CharField:
    return _text(label, help_text=help_text, inputmode="decimal", autocomplete="off", maxlength=20)


def _choice(label, choices, *, help_text="") -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=choices, required=False, help_text=help_text)


def _flag(label, *, help_text="") -> forms.BooleanField:
    return forms.BooleanField(label=label, required=False, help_text=help_text)


PARTY = (_("The party"), ["party_name", "party_category", "party_uscc"])
PARTY_CODES = (
    _("Other identifiers of the party (if it has no USCC)"),
    [
        "party_registration_number",
        "party_organization_code",
        "party_tax_number",
        "party_institution_number",
        "party_social_org_number",
    ],
)
LEGAL_REP = (_("Legal representative"), ["legal_representative", "legal_rep_id_type", "legal_rep_id_number"])
AUTHORITY = (
    _("Deciding authority and data source"),
    [
        "authority_name",
        "authority_uscc",
        "source_unit_name",
        "source_unit_uscc",
    ],
)
FIELDSETS: dict[str, list[tuple[Any, list[str]]]] = {
    RecordKind.PENALTY: [
        PARTY,
        PARTY_CODES,
        LEGAL_REP,
        (_("The decision"), ["document_number", "violation_type", "violation_facts", "legal_basis"]),
        (
            _("The penalty"),
            [
                "penalty_categories",
                "content",
                "fine_amount",
                "confiscated_amount",
                "fine_confirmed",
                "suspended_licence",
            ],
        ),
        (_("Dates"), ["decision_date", "valid_to", "declared_publicity_end"]),
        AUTHORITY,
        (
            _("Publicity and classification"),
            ["usage_scope", "severity", "regulatory_field", "is_exempt", "exemption_reason", "remarks"],
        ),
    ],
    RecordKind.LICENCE: [
        PARTY,
        PARTY_CODES,
        LEGAL_REP,
        (
            _("The licence"),
            [
                "document_name",
                "document_number",
                "licence_category",
                "certificate_name",
                "certificate_number",
                "content",
                "licence_status",
            ],
        ),
        (_("Dates"), ["decision_date", "valid_from", "valid_to", "declared_publicity_end"]),
        AUTHORITY,
        (_("Publicity"), ["usage_scope", "is_exempt", "exemption_reason", "remarks"]),
    ],
    RecordKind.REWARD: [
        PARTY,
        PARTY_CODES,
        LEGAL_REP,
        (_("The reward"), ["document_name", "document_number", "legal_basis", "content"]),
        (_("Dates"), ["decision_date", "valid_to", "declared_publicity_end"]),
        AUTHORITY,
        (_("Publicity"), ["usage_scope", "is_exempt", "exemption_reason", "remarks"]),
    ],
}


def all_fields() -> dict[str, forms.Field]:
    return {
        "party_name": _text(_("Party name"), help_text=_("As on the business licence.")),
        "party_category": _choice(_("Party category"), PartyCategory.choices),
        "party_uscc": _code(
            _("Party's unified social credit code (USCC)"),
            help_text=_("18 characters. The enterprise must be in the registry."),
        ),
        "party_registration_number": _code(_("Business registration number"), help_text=_("15 digits.")),
        "party_organization_code": _code(_("Organisation code"), help_text=_("9 characters.")),
        "party_tax_number": _code(_("Tax registration number")),
        "party_institution_number": _code(_("Public institution certificate number")),
        "party_social_org_number": _code(_("Social organisation registration number")),
        "legal_representative": _text(_("Legal representative")),
        "legal_rep_id_type": _choice(_("ID type"), BLANK + IdType.choices),
        "legal_rep_id_number": _text(
            _("ID number"), autocomplete="off", help_text=_("Seen by staff only, never published.")
        ),
        "document_name": _text(_("Decision document name")),
        "document_number": _text(_("Decision document number"), autocomplete="off"),
        "violation_type": _text(_("Violation type")),
        "violation_facts": _text(_("Facts of the violation"), long=True, rows=4),
        "legal_basis": _text(_("Legal basis"), long=True, rows=2),
        "penalty_categories": forms.MultipleChoiceField(
            label=_("Penalty categories"),
            required=False,
            choices=penalty_category_choices,
            widget=forms.CheckboxSelectMultiple,
            help_text=_(
                "Tick every kind of penalty the decision imposes: the longest publicity period applies."
            ),
        ),
        "content": _text(_("Content of the decision"), long=True, rows=3),
        "fine_amount": _amount(
            _("Fine (in 10,000 yuan)"), help_text=_("In units of 10,000 yuan: a fine of 5,000 yuan is 0.5.")
        ),
        "confiscated_amount": _amount(
            _("Confiscated amount (in 10,000 yuan)"),
            help_text=_("Illegal gains or property confiscated, in 10,000 yuan."),
        ),
        "fine_confirmed": _flag(
            _("I confirm the amount is in 10,000 yuan"),
            help_text=_("Tick only if the decision really imposes this amount."),
        ),
        "suspended_licence": _text(_("Suspended or revoked licence (name and number)")),
        "licence_category": _choice(_("Licence category"), BLANK + LicenceCategory.choices),
        "certificate_name": _text(_("Certificate name")),
        "certificate_number": _text(_("Certificate number")),
        "licence_status": _choice(_("Current status"), LicenceStatus.choices),
        "decision_date": _date(_("Decision date")),
        "valid_from": _date(_("Valid from")),
        "valid_to": _date(_("Valid until")),
        "declared_publicity_end": _date(
            _("Publicity end date given by the agency"),
            help_text=_("Optional. The registry computes the publicity period from the rules in force."),
        ),
        "authority_name": _text(_("Deciding authority")),
        "authority_uscc": _code(_("Deciding authority's USCC"), help_text=_("Your own agency's code.")),
        "source_unit_name": _text(_("Data source unit")),
        "source_unit_uscc": _code(_("Data source unit's USCC")),
        "usage_scope": _choice(_("Usage scope"), UsageScope.choices),
        "severity": _choice(
            _("Severity"),
            Severity.choices,
            help_text=_("“Specific serious” records run their full period and cannot be repaired early."),
        ),
        "regulatory_field": _choice(
            _("Regulatory field"),
            RegulatoryField.choices,
            help_text=_("Some fields have a longer minimum publicity period."),
        ),
        "is_exempt": _flag(_("Exempt from credit impact (force majeure)")),
        "exemption_reason": _text(_("Reason for the exemption"), long=True, rows=2),
        "remarks": _text(_("Remarks"), long=True, rows=2),
    }


def _initial_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value


def record_initial(record: CreditRecord) -> dict[str, Any]:
    """A record's values as the form shows them."""
    return {
        name: _initial_value(getattr(record, name)) for name in RECORD_FIELDS if name != "fine_confirmed"
    } | {
        "fine_confirmed": record.fine_confirmed,
    }


def agency_initial(agency: Agency) -> dict[str, Any]:
    """A new record is decided and supplied by the clerk's own agency."""
    return {
        "authority_name": agency.name,
        "authority_uscc": agency.uscc,
        "source_unit_name": agency.name,
        "source_unit_uscc": agency.uscc,
    }


class RecordForm(ServiceErrorsMixin, forms.Form):
    """A record of one kind: the fields of that kind, grouped as on the paper decision."""

    def __init__(
        self, *args, kind: str, agencies: list[Agency] | None = None, correcting: bool = False, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.agencies = agencies or []
        self.duplicate: CreditRecord | None = None
        self.fieldset_names = [(legend, list(names)) for legend, names in FIELDSETS[kind]]
        wanted = [name for _legend, names in self.fieldset_names for name in names]
        fields = all_fields()
        for name in wanted:
            self.fields[name] = fields[name]
        for name, limit in TEXT_LIMITS.items():
            if name in self.fields:
                self.fields[name].widget.attrs.setdefault("maxlength", limit)
        self.required_names = set(REQUIRED[kind]) | {"party_uscc"}
        for name in self.required_names & set(self.fields):
            self.fields[name].widget.attrs["aria-required"] = "true"
        if len(self.agencies) > 1:
            self.fields["agency"] = forms.TypedChoiceField(
                label=_("Agency"),
                choices=[(a.pk, a.name) for a in self.agencies],
                coerce=int,
                help_text=_("The agency that decided: its name and code must be the deciding authority's."),
            )
            self.fieldset_names.insert(0, (_("Your agency"), ["agency"]))
        if correcting:
            self.fields["reason"] = forms.CharField(
                label=_("Reason for the correction"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_("Kept in the record's history and shown to the reviewer."),
            )
            self.fields["reason"].widget.attrs["aria-required"] = "true"
            self.required_names.add("reason")
            self.fieldset_names.insert(0, (_("Why is the record corrected?"), ["reason"]))

    # -- reading -----------------------------------------------------------------------------------
    def fieldsets(self):
        for legend, names in self.fieldset_names:
            fields = [self[name] for name in names if name in self.fields]
            if "fine_confirmed" in names and not self.show_fine_confirm:
                fields = [f for f in fields if f.name != "fine_confirmed"]
            yield legend, fields

    @property
    def chosen_agency(self) -> Agency | None:
        if not self.agencies:
            return None
        if "agency" in self.fields and self.is_bound and self.is_valid():
            pk = self.cleaned_data.get("agency")
            return next((a for a in self.agencies if a.pk == pk), self.agencies[0])
        return self.agencies[0]

    def record_data(self) -> dict[str, Any]:
        """What the clerk typed, for the service (only this kind's fields)."""
        return {name: self.cleaned_data.get(name) for name in RECORD_FIELDS if name in self.fields}

    @property
    def show_fine_confirm(self) -> bool:
        """Offer the confirmation only where an amount looks as if it was keyed in yuan."""
        if "fine_confirmed" not in self.fields:
            return False
        threshold = Decimal(str(settings.FINE_CONFIRM_THRESHOLD_WAN))
        for name in AMOUNT_FIELDS:
            if name not in self.fields:
                continue
            raw = self[name].value()
            try:
                amount = Decimal(str(raw).replace(",", "").strip()) if raw not in (None, "") else None
            except InvalidOperation:
                amount = None
            if amount is not None and amount.is_finite() and amount >= threshold:
                return True
        return bool(self["fine_confirmed"].value())

    # -- warnings ----------------------------------------------------------------------------------
    @cached_property
    def personal_data_warnings(self) -> list[dict[str, str]]:
        """Free text that holds personal data (an ID or phone number, a natural-person party's
        name), each with the field's label and an anchor: a warning, the record is saved all the same."""
        data = {name: self[name].value() for name in self.fields if name in RECORD_FIELDS}
        return [
            {
                "field": warning["field"],
                "label": str(self.fields[warning["field"]].label),
                "message": warning["message"],
                "anchor": self[warning["field"]].auto_id,
            }
            for warning in personal_data_warnings(data)
            if warning["field"] in self.fields
        ]

    # -- errors ------------------------------------------------------------------------------------
    def error_summary(self) -> list[dict[str, str]]:
        """Every error, each with the field's label and an anchor to the field (for the summary box)."""
        summary = []
        for message in self.non_field_errors():
            summary.append({"label": "", "message": message, "anchor": ""})
        names = [name for _legend, group in self.fieldset_names for name in group]
        for name in names:
            if name not in self.fields or name not in self.errors:
                continue
            bound = self[name]
            anchor = bound.auto_id
            if isinstance(bound.field.widget, forms.CheckboxSelectMultiple):
                anchor = f"{bound.auto_id}_0"
            for message in self.errors[name]:
                summary.append({"label": str(bound.label), "message": message, "anchor": anchor})
        return summary

    def link_descriptions(self) -> None:
        """Tie each input to its help text and its errors for screen readers."""
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}_helptext")
            if self.is_bound and name in self.errors:
                ids.append(f"{bound.auto_id}_errors")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
