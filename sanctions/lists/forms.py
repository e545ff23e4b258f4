"""Desk forms for listings and subscriptions; the services judge what the forms let through."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import Agency, Enterprise
from sanctions.choices import RemovalReason
from sanctions.desk.forms import DeskForm, EnterpriseCodeField, agency_field
from sanctions.lists.validation import CITABLE_RECORD_STATUSES, LISTING_FIELDS
from sanctions.models import CreditRecord, ListKind


class ListingForm(DeskForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=gettext_lazy("Agency"))
    enterprise = EnterpriseCodeField()
    list_kind = forms.ModelChoiceField(
        queryset=ListKind.objects.filter(active=True), label=gettext_lazy("List")
    )
    grounds = forms.CharField(label=gettext_lazy("Grounds"), widget=forms.Textarea(attrs={"rows": 4}))
    records = forms.CharField(
        label=gettext_lazy("Records it rests on"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Decision document numbers of the enterprise's published records, one per line."
        ),
    )
    legal_basis = forms.CharField(label=gettext_lazy("Legal basis"), max_length=300)
    document_number = forms.CharField(label=gettext_lazy("Decision document number"), max_length=100)
    start_date = forms.DateField(
        label=gettext_lazy("Listed from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=gettext_lazy("Listed until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Empty: the list's default term. The listing ends by itself on this date."),
    )
    inclusion_conditions = forms.CharField(
        label=gettext_lazy("Inclusion conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Empty: the list's published inclusion conditions."),
    )
    removal_conditions = forms.CharField(
        label=gettext_lazy("Removal conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Empty: the list's published removal conditions."),
    )

    def __init__(self, *args, agencies: list[Agency], editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"] = agency_field(agencies)
        if editing:
            for name in ("agency", "enterprise", "list_kind"):
                del self.fields[name]

    def cited_records(self, enterprise: Enterprise) -> list[CreditRecord]:
        numbers = [
            line.strip() for line in (self.cleaned_data.get("records") or "").splitlines() if line.strip()
        ]
        found = []
        for number in numbers:
            record = CreditRecord.objects.filter(
                enterprise=enterprise,
                document_number=" ".join(number.split()),
                is_current=True,
                status__in=CITABLE_RECORD_STATUSES,
            ).first()
            if record is None:
                raise ValidationError(
                    {
                        "records": [
                            _("No published record %(number)s about this enterprise.") % {"number": number}
                        ]
                    }
                )
            found.append(record)
        return found

    def data_for_service(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) for k in LISTING_FIELDS}


class RemoveForm(DeskForm):
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[
            (RemovalReason.REVOKED, RemovalReason.REVOKED.label),
            (RemovalReason.REPAIRED, RemovalReason.REPAIRED.label),
        ],
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SubscribeForm(DeskForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=gettext_lazy("Agency"))
    enterprise = EnterpriseCodeField()
    list_kind = forms.ModelChoiceField(
        queryset=ListKind.objects.filter(active=True),
        required=False,
        label=gettext_lazy("List"),
        empty_label=gettext_lazy("Any list"),
    )

    def __init__(self, *args, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"] = agency_field(agencies)
