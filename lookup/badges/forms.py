"""Forms of the enterprise account pages and the report of a suspicious badge (input only; rules are in services)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lookup.models import BadgeSector

from .services import DEFAULT_DAYS, MAX_DAYS

ISO_DATE = "%Y-%m-%d"  # what a browser's date field sends and expects, whatever the page's language


class ClaimForm(forms.Form):
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=_("One-time code"),
        max_length=40,
        help_text=_("The code the registry gave your enterprise, e.g. ABCD-EFGH-JKLM."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "spellcheck": "false"}),
    )


class StaffForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=60)
    registration_number = forms.CharField(label=_("Practitioner registration number"), max_length=40)
    photo = forms.FileField(
        label=_("Photo (optional, JPEG or PNG)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class IssueForm(forms.Form):
    sector = forms.ChoiceField(label=_("Sector"), choices=BadgeSector.choices)
    staff = forms.TypedChoiceField(label=_("Badge for"), coerce=int, required=False, empty_value=None)
    expires_on = forms.DateField(
        label=_("Valid until"),
        # ISO in and out: a date field shows nothing for a value in the locale's format (2027/01/05 in Chinese).
        input_formats=[ISO_DATE, "%Y/%m/%d", "%Y年%m月%d日"],
        widget=forms.DateInput(format=ISO_DATE, attrs={"type": "date"}),
        help_text=_("One year from today unless you change it; at most three years."),
    )

    def __init__(self, *args, staff_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = [("", _("The enterprise itself"))] + [
            (s.pk, f"{s.full_name} · {s.registration_number}") for s in staff_choices
        ]
        today = timezone.localdate()
        expires = self.fields["expires_on"]
        expires.initial = today + dt.timedelta(days=DEFAULT_DAYS)
        expires.widget.attrs.update(
            min=(today + dt.timedelta(days=1)).strftime(ISO_DATE),
            max=(today + dt.timedelta(days=MAX_DAYS)).strftime(ISO_DATE),
        )


class RevokeForm(forms.Form):
    """Revoking a badge: the reason, and whether the person has confirmed (on the confirmation page or in
    the browser's dialog); without it the view asks first."""

    reason = forms.CharField(label=_("Reason (optional)"), max_length=200, required=False)
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class DeactivateForm(forms.Form):
    """Recording that a staff member left: done only once confirmed, as a revocation."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    message = forms.CharField(
        label=_("Where did you see this badge, and what happened?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contact = forms.CharField(label=_("How can we reach you? (optional)"), max_length=200, required=False)
