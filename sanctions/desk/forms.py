"""What every desk form shares: service errors put back next to the fields, the enterprise code
field, the agency choice, and the reviewer's comment and revocation reason."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from registry import uscc as uscc_codes
from registry.models import Agency, Enterprise


class ServiceErrorsMixin:
    """A form whose input a service judges: the service's errors go where a user looks for them."""

    def add_service_error(self, exc: ValidationError) -> None:
        """Put a service's errors next to the fields they name; the rest above the form."""
        if hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, messages)
        else:
            self.add_error(None, exc.messages)


class DeskForm(ServiceErrorsMixin, forms.Form):
    @property
    def required_names(self) -> set[str]:
        return {name for name, f in self.fields.items() if f.required}


class StatusFilterForm(forms.Form):
    """A desk list's filter by status: a value that is none of them (a hand-edited or stale link) is
    said above the list, which then shows every status, as the select says."""

    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, data, *, choices) -> None:
        super().__init__(data)
        self.fields["status"].choices = [("", _("All")), *choices]

    @property
    def chosen(self) -> str:
        """The status asked for, or "" (all): also when the one asked for is not one of them."""
        return self.cleaned_data.get("status", "") if self.is_valid() else ""


class EnterpriseCodeField(forms.CharField):
    """A USCC typed at the desk, cleaned to the registered enterprise it names."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Enterprise (USCC)"))
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.update({"class": "code-input", "autocomplete": "off", "spellcheck": "false"})

    def clean(self, value) -> Enterprise:
        value = super().clean(value)
        code = uscc_codes.compact(value)
        enterprise = Enterprise.objects.filter(uscc=code).first()
        if enterprise is None:
            raise ValidationError(_("No enterprise has the code %(code)s.") % {"code": code})
        return enterprise


def agency_field(agencies: list[Agency]) -> forms.ModelChoiceField:
    """The agency a desk entry is made for, among the viewer's own."""
    return forms.ModelChoiceField(
        queryset=Agency.objects.filter(pk__in=[a.pk for a in agencies]).order_by("name"),
        initial=agencies[0].pk if len(agencies) == 1 else None,
        label=_("Agency"),
        empty_label=None if len(agencies) == 1 else "—",
    )


class CommentForm(DeskForm):
    """The reviewer's comment when sending an entry back to its clerk (the service requires one)."""

    comment = forms.CharField(
        label=_("What should the clerk change?"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(DeskForm):
    """Why a published decision is revoked (the service requires a reason)."""

    reason = forms.CharField(
        label=_("Why was the decision revoked?"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
