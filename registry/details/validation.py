"""Cleaning of shareholders, key personnel and branches: one set of rules for the services and the
file import. Each ``clean_*`` returns (cleaned, errors by field), the messages naming the field."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from .. import uscc as uscc_codes
from ..choices import ContributionForm, PersonnelRole, ShareholderKind
from ..validation import _text, clean_capital, clean_choice, clean_date, clean_name

_KIND_ALIASES = {
    "自然人": ShareholderKind.NATURAL_PERSON,
    "自然人股东": ShareholderKind.NATURAL_PERSON,
    "个人": ShareholderKind.NATURAL_PERSON,
    "企业": ShareholderKind.ENTERPRISE,
    "企业法人": ShareholderKind.ENTERPRISE,
    "法人股东": ShareholderKind.ENTERPRISE,
    "非自然人": ShareholderKind.ENTERPRISE,
    "其他": ShareholderKind.OTHER,
}
_FORM_ALIASES = {
    "货币": ContributionForm.CURRENCY,
    "现金": ContributionForm.CURRENCY,
    "实物": ContributionForm.IN_KIND,
    "知识产权": ContributionForm.INTELLECTUAL_PROPERTY,
    "土地使用权": ContributionForm.LAND_USE_RIGHT,
    "股权": ContributionForm.EQUITY,
    "债权": ContributionForm.CREDITOR_RIGHT,
    "其他": ContributionForm.OTHER,
}
_ROLE_ALIASES = {
    "董事长": PersonnelRole.CHAIR,
    "副董事长": PersonnelRole.VICE_CHAIR,
    "执行董事": PersonnelRole.EXECUTIVE_DIRECTOR,
    "董事": PersonnelRole.DIRECTOR,
    "监事会主席": PersonnelRole.CHAIR_OF_SUPERVISORS,
    "监事": PersonnelRole.SUPERVISOR,
    "经理": PersonnelRole.MANAGER,
    "总经理": PersonnelRole.MANAGER,
    "副经理": PersonnelRole.DEPUTY_MANAGER,
    "副总经理": PersonnelRole.DEPUTY_MANAGER,
    "财务负责人": PersonnelRole.FINANCIAL_OFFICER,
    "董事会秘书": PersonnelRole.BOARD_SECRETARY,
    "执行事务合伙人": PersonnelRole.EXECUTIVE_PARTNER,
    "负责人": PersonnelRole.PERSON_IN_CHARGE,
    "其他": PersonnelRole.OTHER,
}
MAX_PERSON_NAME = 100


def _sane_date(value: Any, *, today: dt.date) -> dt.date | None:
    date = clean_date(value)
    if date is not None and date.year < 1949:
        raise ValueError(_("The date is before 1949."))
    if date is not None and date > dt.date(today.year + 50, 12, 31):
        raise ValueError(_("The date is more than 50 years ahead."))
    return date


def clean_code(value: Any) -> str:
    """A USCC that passes the GB 32100 check character."""
    analysis = uscc_codes.analyse(_text(value))
    if not analysis.is_valid:
        raise ValueError(" ".join(e.message for e in analysis.errors))
    return analysis.normalized


def clean_shareholder(
    data: dict[str, Any], *, today: dt.date | None = None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A shareholder's fields: kind, name, the USCC of an enterprise shareholder, the amounts in
    10,000 yuan (not negative, paid-in within subscribed), the dates and the form of contribution."""
    today = today or dt.date.today()
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}

    def run(name: str, clean) -> None:
        try:
            cleaned[name] = clean(data.get(name))
        except ValueError as exc:
            errors[name] = [str(exc)]

    run("name", clean_name)
    run("kind", lambda v: clean_choice(v, ShareholderKind, _KIND_ALIASES))
    if "kind" in cleaned and not cleaned["kind"]:
        del cleaned["kind"]
        errors["kind"] = [
            _("Say what the shareholder is: %(values)s.") % {"values": ", ".join(ShareholderKind.values)}
        ]
    code = _text(data.get("uscc"))
    if cleaned.get("kind") == ShareholderKind.ENTERPRISE:
        if not code:
            errors["uscc"] = [_("An enterprise shareholder needs its unified social credit code.")]
        else:
            run("uscc", clean_code)
    elif code and cleaned.get("kind") == ShareholderKind.NATURAL_PERSON:
        errors["uscc"] = [_("A natural person has no unified social credit code; leave it empty.")]
    elif code:
        run("uscc", clean_code)
    else:
        cleaned["uscc"] = ""
    for name in ("subscribed_amount", "paid_in_amount"):
        try:
            cleaned[name] = clean_capital(data.get(name))
        except ValueError:
            errors[name] = [
                _("“%(value)s” is not an amount in 10,000 yuan that is zero or more.")
                % {"value": _text(data.get(name))}
            ]
    run("subscribed_on", lambda v: _sane_date(v, today=today))
    run("paid_in_on", lambda v: _sane_date(v, today=today))
    paid, subscribed = cleaned.get("paid_in_amount"), cleaned.get("subscribed_amount")
    if paid is not None and subscribed is not None and paid > subscribed:
        errors.setdefault("paid_in_amount", []).append(
            _("The paid-in amount (%(paid)s) is more than the subscribed amount (%(subscribed)s).")
            % {"paid": paid.normalize(), "subscribed": subscribed.normalize()}
        )
    paid_on = cleaned.get("paid_in_on")
    if paid_on is not None and paid_on > today:
        errors.setdefault("paid_in_on", []).append(_("A contribution cannot be paid in on a future date."))
    if paid_on is not None and not paid:
        errors.setdefault("paid_in_on", []).append(_("A date of payment needs a paid-in amount."))
    run("contribution_form", lambda v: clean_choice(v, ContributionForm, _FORM_ALIASES))
    return cleaned, errors


def clean_person(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A key person: a name and a role (its code, label, or the Chinese title such as 董事长)."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    name = _text(data.get("name"))
    if not name:
        errors["name"] = [_("A name is required.")]
    elif len(name) > MAX_PERSON_NAME:
        errors["name"] = [_("A name has at most %(max)d characters.") % {"max": MAX_PERSON_NAME}]
    else:
        cleaned["name"] = name
    try:
        role = clean_choice(data.get("role"), PersonnelRole, _ROLE_ALIASES)
        if not role:
            raise ValueError(_("A role is required."))
        cleaned["role"] = role
    except ValueError as exc:
        errors["role"] = [str(exc)]
    return cleaned, errors


def clean_branch(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """A branch: its own USCC (checked), its name, and its registration authority."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    try:
        cleaned["uscc"] = clean_code(data.get("uscc"))
    except ValueError as exc:
        errors["uscc"] = [str(exc)]
    try:
        cleaned["name"] = clean_name(data.get("name"))
    except ValueError as exc:
        errors["name"] = [str(exc)]
    cleaned["registration_authority"] = _text(data.get("registration_authority"))[:200]
    return cleaned, errors
