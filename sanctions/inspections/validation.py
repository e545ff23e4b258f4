"""An inspection plan's fields, checked before a service writes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.choices import Industry
from sanctions.inspections.draw import UNGRADED
from sanctions.models import ListKind, RatingModel

PLAN_FIELDS = [
    "title",
    "legal_basis",
    "industries",
    "division_prefix",
    "include_list_kinds",
    "exclude_list_kinds",
    "period_start",
    "period_end",
    "rating_model",
    "rates",
]
# A plan covers at most a year: the annual random-inspection plan (国办发〔2015〕58号, 二(三)).
LONGEST_PERIOD_DAYS = 366
DEFAULT_LEGAL_BASIS = "国务院办公厅关于推广随机抽查规范事中事后监管的通知（国办发〔2015〕58号）"


def grades_of(model: RatingModel) -> list[str]:
    """The rating model's grades, best first, then "ungraded": the keys of a plan's rates."""
    return [str(g["grade"]) for g in model.grades] + [UNGRADED]


def _date(value: Any, field: str, errors: dict[str, list[str]]) -> dt.date | None:
    if value in (None, ""):
        errors.setdefault(field, []).append(_("Enter a date."))
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.setdefault(field, []).append(_("Enter a date as YYYY-MM-DD."))
        return None


def _codes(value: Any) -> list[str]:
    return sorted({str(v).strip().upper() for v in _codes_raw(value) if str(v).strip()})


def rates_clean(*, model: RatingModel, rates: Any, errors: dict[str, list[str]]) -> dict[str, str]:
    """The sampling rate of every grade of the model and of ungraded enterprises, 0–100 %."""
    if not isinstance(rates, dict):
        errors.setdefault("rates", []).append(_("Give a sampling rate for every grade."))
        return {}
    grades = grades_of(model)
    cleaned: dict[str, str] = {}
    for key in rates:
        if key not in grades:
            errors.setdefault("rates", []).append(
                _("“%(grade)s” is not a grade of %(model)s (its grades: %(grades)s).")
                % {"grade": key, "model": model.name, "grades": ", ".join(grades)}
            )
    for grade in grades:
        raw = rates.get(grade)
        label = _("ungraded") if grade == UNGRADED else grade
        if raw in (None, ""):
            errors.setdefault("rates", []).append(
                _("Give the sampling rate for grade %(grade)s.") % {"grade": label}
            )
            continue
        try:
            rate = Decimal(str(raw).strip().removesuffix("%").strip())
        except InvalidOperation:
            rate = None
        if rate is None or not rate.is_finite():
            errors.setdefault("rates", []).append(
                _("The rate for grade %(grade)s is not a number: %(value)s.") % {"grade": label, "value": raw}
            )
        elif not Decimal(0) <= rate <= Decimal(100):
            errors.setdefault("rates", []).append(
                _("The rate for grade %(grade)s must be between 0 and 100 %%, not %(value)s.")
                % {"grade": label, "value": raw}
            )
        elif rate.as_tuple().exponent < -2:
            errors.setdefault("rates", []).append(
                _("The rate for grade %(grade)s has more than two decimals: %(value)s.")
                % {"grade": label, "value": raw}
            )
        else:
            cleaned[grade] = format(rate.normalize(), "f")
    if cleaned and len(cleaned) == len(grades) and all(Decimal(v) == 0 for v in cleaned.values()):
        errors.setdefault("rates", []).append(_("Every rate is 0 %: the plan would draw no one."))
    return cleaned


def plan_clean(*, data: dict[str, Any], today: dt.date | None = None) -> dict[str, Any]:
    """The plan's fields, checked: scope, period and one rate per grade of its rating model."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    cleaned["title"] = str(data.get("title") or "").strip()
    if not cleaned["title"]:
        errors.setdefault("title", []).append(_("Give the plan a title."))
    cleaned["legal_basis"] = str(data.get("legal_basis") or "").strip() or DEFAULT_LEGAL_BASIS
    cleaned["industries"] = _codes(data.get("industries"))
    unknown = [c for c in cleaned["industries"] if c not in Industry.values]
    if unknown:
        errors.setdefault("industries", []).append(
            _("Not an industry section of GB/T 4754-2017: %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    prefix = str(data.get("division_prefix") or "").strip()
    if prefix and not (prefix.isdigit() and len(prefix) in (2, 4, 6)):
        errors.setdefault("division_prefix", []).append(
            _("A division prefix is 2, 4 or 6 digits of a GB/T 2260 code (province, prefecture, county).")
        )
    cleaned["division_prefix"] = prefix
    known_kinds = set(ListKind.objects.values_list("code", flat=True))
    for field in ("include_list_kinds", "exclude_list_kinds"):
        cleaned[field] = sorted({str(v).strip() for v in (_codes_raw(data.get(field)))})
        unknown = [c for c in cleaned[field] if c not in known_kinds]
        if unknown:
            errors.setdefault(field, []).append(
                _("No list has the code %(codes)s.") % {"codes": ", ".join(unknown)}
            )
    both = set(cleaned["include_list_kinds"]) & set(cleaned["exclude_list_kinds"])
    if both:
        errors.setdefault("exclude_list_kinds", []).append(
            _("A list cannot be both required and excluded: %(codes)s.") % {"codes": ", ".join(sorted(both))}
        )
    start = cleaned["period_start"] = _date(data.get("period_start"), "period_start", errors)
    end = cleaned["period_end"] = _date(data.get("period_end"), "period_end", errors)
    if start and end:
        if end < start:
            errors.setdefault("period_end", []).append(_("The period must end on or after its start."))
        elif (end - start).days >= LONGEST_PERIOD_DAYS:
            errors.setdefault("period_end", []).append(_("A plan's period is at most one year."))
        elif end < today:
            errors.setdefault("period_end", []).append(_("The period has already ended."))
    model = data.get("rating_model")
    if isinstance(model, str):
        model = RatingModel.objects.filter(pk=model).first()
    if not isinstance(model, RatingModel):
        errors.setdefault("rating_model", []).append(_("Choose the rating model whose grades set the rates."))
    else:
        cleaned["rating_model"] = model
        cleaned["rates"] = rates_clean(model=model, rates=data.get("rates"), errors=errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _codes_raw(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return value.replace(",", " ").replace("，", " ").split()
    return [getattr(v, "pk", v) for v in value]
