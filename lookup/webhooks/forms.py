"""The desk's webhook form: the same fields as the API, lists typed one per line or comma-separated."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .addresses import MAX_URL_LENGTH
from .events import ChangeKind


class WebhookForm(forms.Form):
    agency = forms.ModelChoiceField(queryset=None, label=_("Agency"), empty_label=None)
    url = forms.CharField(
        label=_("URL"),
        max_length=MAX_URL_LENGTH,
        help_text=_("An https:// address on the public internet that will receive the POSTs."),
        # A text input with the URL keyboard: the desk's fields are styled as text, and the browser's
        # own URL check would stand in front of the registry's clearer messages.
        widget=forms.TextInput(attrs={"placeholder": "https://", "autocomplete": "off", "inputmode": "url"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    kinds = forms.MultipleChoiceField(
        label=_("Event kinds"),
        choices=ChangeKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every kind."),
    )
    agency_codes = forms.CharField(
        label=_("Deciding agencies (USCC)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One code per line or separated by commas; empty: any agency."),
    )
    division_prefixes = forms.CharField(
        label=_("Divisions"),
        required=False,
        help_text=_(
            "Division codes of the enterprises: 2 digits for a province, 4 for a city, 6 for a county; empty: anywhere."
        ),
    )
    usccs = forms.CharField(
        label=_("Enterprises (USCC)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One code per line or separated by commas; empty: every enterprise."),
    )

    def __init__(self, *args, agencies, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        if agencies.count() == 1:
            self.fields["agency"].initial = agencies.first()
