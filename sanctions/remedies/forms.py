"""Forms of the remedies pages. They only collect input: the rules (and the file content checks)
are the services', whose ``ValidationError`` is put back next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from registry.models import Agency
from sanctions.choices import CommitmentKind, MaterialKind
from sanctions.desk.forms import EnterpriseCodeField, ServiceErrorsMixin
from sanctions.remedies.commitments import COMMITMENT_OUTCOMES
from sanctions.remedies.objections import UPHOLD_OR_REVOKE
from sanctions.remedies.repair import REQUIRED_MATERIALS, RepairDecision

ACCEPT = "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"


def size_help() -> str:
    return _("PDF, PNG or JPEG, at most %(mb)s MB each.") % {
        "mb": f"{settings.REMEDY_UPLOAD_MAX_BYTES / (1024 * 1024):g}"
    }


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (the content checks run in the service, not here)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)
        self.required_material = False

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class RepairApplyForm(ServiceErrorsMixin, forms.Form):
    """An application for credit repair: a statement and the materials, one input per kind."""

    statement = forms.CharField(
        label=_("How was the dishonesty corrected?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 4000}),
        help_text=_("E.g. the fine was paid on …, the harm was removed by …, no further violation since."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in MaterialKind:
            field = MultipleFileField(label=kind.label, help_text=size_help())
            if kind in REQUIRED_MATERIALS:
                field.widget.attrs["aria-required"] = "true"
                field.required_material = True
            self.fields[kind.value] = field

    def material_fields(self):
        return [self[kind.value] for kind in MaterialKind]

    def materials(self) -> list[tuple[str, Any]]:
        return [
            (kind.value, upload)
            for kind in MaterialKind
            for upload in self.cleaned_data.get(kind.value) or []
        ]


class DecisionForm(ServiceErrorsMixin, forms.Form):
    """The reviewer's decision on a repair application, with reasons."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=RepairDecision.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reasons (the enterprise reads them)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 4000}),
    )


class ObjectionForm(ServiceErrorsMixin, forms.Form):
    """Anyone's objection to a public record or listing."""

    objector_name = forms.CharField(
        label=_("Your name or organisation"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "name"}),
    )
    contact = forms.CharField(
        label=_("Phone or e-mail"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 200, "autocomplete": "email"}),
        help_text=_("If you give an e-mail address, you are written to when the objection is decided."),
    )
    reason = forms.CharField(
        label=_("What is wrong with the record?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 4000}),
    )
    evidence = MultipleFileField(label=_("Evidence (optional)"))
    # Left empty by people; filled in by form-filling robots.
    website = forms.CharField(
        required=False,
        label=_("Leave this empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = size_help()


class ObjectionOutcomeForm(ServiceErrorsMixin, forms.Form):
    """The source agency upholds or revokes (correcting has a page of its own)."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        widget=forms.RadioSelect,
        choices=UPHOLD_OR_REVOKE,
    )
    reason = forms.CharField(
        label=_("Reasons (the objector reads them)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 4000}),
    )


class CommitmentForm(ServiceErrorsMixin, forms.Form):
    """A clerk records an enterprise's written credit commitment."""

    enterprise_uscc = EnterpriseCodeField(label=_("Enterprise's unified social credit code"))
    kind = forms.ChoiceField(label=_("Kind"), choices=CommitmentKind.choices)
    content = forms.CharField(
        label=_("What the enterprise committed to"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 4000}),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"), required=False, widget=forms.TextInput(attrs={"maxlength": 300})
    )
    signed_on = forms.DateField(label=_("Signed on"), widget=forms.DateInput(attrs={"type": "date"}))
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("When the promised document or performance is due (if any)."),
    )

    def __init__(self, *args, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.agencies = agencies
        if len(agencies) > 1:
            self.fields["agency"] = forms.TypedChoiceField(
                label=_("Agency"), coerce=int, choices=[(a.pk, a.name) for a in agencies]
            )

    @property
    def chosen_agency(self) -> Agency:
        pk = self.cleaned_data.get("agency") if "agency" in self.fields else None
        return next((a for a in self.agencies if a.pk == pk), self.agencies[0])


class CommitmentDecisionForm(ServiceErrorsMixin, forms.Form):
    """The agency marks a commitment fulfilled or breached."""

    outcome = forms.ChoiceField(
        label=_("Outcome"),
        widget=forms.RadioSelect,
        choices=COMMITMENT_OUTCOMES,
    )
    breached_on = forms.DateField(
        label=_("Date of the breach"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For a breach: how the commitment was broken (the record's facts)."),
    )


class ObjectionTrackForm(forms.Form):
    """The objector's reference and follow-up key, to see the objection's progress."""

    reference = forms.CharField(
        label=_("Reference"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "code-input",
            }
        ),
        help_text=_("For example YY20260105AB12CD, as shown when the objection was filed."),
    )
    key = forms.CharField(
        label=_("Follow-up key"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "code-input"}),
        help_text=_("The key shown once when the objection was filed."),
    )

    def clean_reference(self) -> str:
        # Full-width letters and digits (a Chinese keyboard types them) count as their plain forms.
        text = "".join(
            chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in self.cleaned_data["reference"]
        )
        return "".join(text.split()).upper()

    def clean_key(self) -> str:
        return self.cleaned_data["key"].strip()
