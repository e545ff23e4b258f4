"""Desk forms for inspection plans, results and the roster; the services judge what they let through."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from registry.choices import Industry
from registry.models import Agency
from sanctions.choices import InspectionOutcome
from sanctions.desk.forms import DeskForm, EnterpriseCodeField, agency_field
from sanctions.inspections.draw import UNGRADED
from sanctions.inspections.validation import grades_of
from sanctions.lists.ratings import default_rating_model
from sanctions.models import Inspector, ListKind, RatingModel


class PlanForm(DeskForm):
    """A plan's scope, period and one rate field per grade of the rating model (rate_A, …)."""

    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"))
    title = forms.CharField(label=_("Title"), max_length=200)
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=300,
        required=False,
        help_text=_("Empty: the State Council General Office's notice Guo Ban Fa [2015] No. 58."),
    )
    industries = forms.MultipleChoiceField(
        label=_("Industry sections"),
        choices=Industry.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every industry."),
    )
    division_prefix = forms.CharField(
        label=_("Administrative division prefix"),
        max_length=6,
        required=False,
        help_text=_("2, 4 or 6 digits of the division code; empty: everywhere."),
    )
    include_list_kinds = forms.ModelMultipleChoiceField(
        label=_("Only enterprises on these lists"),
        queryset=ListKind.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    exclude_list_kinds = forms.ModelMultipleChoiceField(
        label=_("Not enterprises on these lists"),
        queryset=ListKind.objects.filter(active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    period_start = forms.DateField(label=_("Period from"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Period until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, agencies: list[Agency], model: RatingModel | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"] = agency_field(agencies)
        self.model = model or default_rating_model()
        for grade in grades_of(self.model):
            label = (
                _("Rate for ungraded enterprises (per cent)")
                if grade == UNGRADED
                else _("Rate for grade %(grade)s (per cent)") % {"grade": grade}
            )
            self.fields[f"rate_{grade}"] = forms.CharField(
                label=label, max_length=8, widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 6})
            )

    def data_for_service(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "legal_basis": data["legal_basis"],
            "industries": data["industries"],
            "division_prefix": data["division_prefix"],
            "include_list_kinds": [k.pk for k in data["include_list_kinds"]],
            "exclude_list_kinds": [k.pk for k in data["exclude_list_kinds"]],
            "period_start": data["period_start"],
            "period_end": data["period_end"],
            "rating_model": self.model,
            "rates": {grade: data[f"rate_{grade}"] for grade in grades_of(self.model)},
        }

    def add_service_error(self, exc) -> None:
        if hasattr(exc, "error_dict") and "rates" in exc.error_dict:
            errors = dict(exc.message_dict)
            for message in errors.pop("rates"):
                self.add_error(None, message)
            if errors:
                super().add_service_error(type(exc)(errors))
            return
        super().add_service_error(exc)


def plan_initial(plan) -> dict[str, Any]:
    initial = {
        "title": plan.title,
        "legal_basis": plan.legal_basis,
        "industries": plan.industries,
        "division_prefix": plan.division_prefix,
        "include_list_kinds": plan.include_list_kinds,
        "exclude_list_kinds": plan.exclude_list_kinds,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "agency": plan.agency_id,
    }
    initial.update({f"rate_{grade}": rate for grade, rate in plan.rates.items()})
    return initial


class ResultForm(DeskForm):
    outcome = forms.ChoiceField(label=_("Result"), choices=[("", "—"), *InspectionOutcome.choices])
    inspected_on = forms.DateField(label=_("Inspected on"), widget=forms.DateInput(attrs={"type": "date"}))
    findings = forms.CharField(
        label=_("Findings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when problems were found. Published."),
    )
    consequences = forms.CharField(
        label=_("Consequences"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Empty: the usual consequence of the result (an enterprise not found at its address is entered into the abnormal-operations list)."
        ),
    )


class InspectorForm(DeskForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Agency"))
    username = forms.CharField(label=_("Staff member's user name"), max_length=150)
    badge_number = forms.CharField(label=_("Law-enforcement certificate number"), max_length=40)

    def __init__(self, *args, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"] = agency_field(agencies)

    def clean_username(self):
        user = get_user_model().objects.filter(username=self.cleaned_data["username"].strip()).first()
        if user is None:
            raise forms.ValidationError(_("No user has this name."))
        return user


class ConflictForm(DeskForm):
    inspector = forms.ModelChoiceField(queryset=Inspector.objects.none(), label=_("Inspector"))
    enterprise = EnterpriseCodeField()
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = Inspector.objects.filter(
            agency__in=agencies, active=True
        ).select_related("user")
