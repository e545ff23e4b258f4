"""Cleaning of enterprise data: one set of rules for the admin, the API and the file import.

Each function takes raw values as people and files supply them (codes with spaces, Chinese
labels, ``100万元``, ``2019年3月5日``) and returns the stored form, or raises a ``ValueError``
whose text says what is wrong. ``clean_enterprise`` gathers those per field.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from . import uscc
from .choices import EnterpriseStatus, EntityType, Industry

MAX_NAME = 200

_STATUS_ALIASES = {
    "存续": EnterpriseStatus.IN_OPERATION,
    "在业": EnterpriseStatus.IN_OPERATION,
    "开业": EnterpriseStatus.IN_OPERATION,
    "在营": EnterpriseStatus.IN_OPERATION,
    "正常": EnterpriseStatus.IN_OPERATION,
    "停业": EnterpriseStatus.SUSPENDED,
    "歇业": EnterpriseStatus.SUSPENDED,
    "清算": EnterpriseStatus.LIQUIDATING,
    "迁出": EnterpriseStatus.RELOCATED,
    "吊销": EnterpriseStatus.REVOKED,
    "吊销，未注销": EnterpriseStatus.REVOKED,
    "注销": EnterpriseStatus.DEREGISTERED,
}

# Checked in order: the first keyword found in a Chinese entity-type label decides.
_ENTITY_KEYWORDS = [
    ("分公司", EntityType.BRANCH),
    ("分支机构", EntityType.BRANCH),
    ("个体", EntityType.INDIVIDUAL_BUSINESS),
    ("合作社", EntityType.COOPERATIVE),
    ("外商", EntityType.FOREIGN_INVESTED),
    ("外资", EntityType.FOREIGN_INVESTED),
    ("台港澳", EntityType.FOREIGN_INVESTED),
    ("中外合资", EntityType.FOREIGN_INVESTED),
    ("股份", EntityType.JOINT_STOCK),
    ("有限责任", EntityType.LIMITED_LIABILITY),
    ("有限公司", EntityType.LIMITED_LIABILITY),
    ("合伙", EntityType.PARTNERSHIP),
    ("个人独资", EntityType.SOLE_PROPRIETORSHIP),
    ("全民所有制", EntityType.STATE_OWNED),
    ("国有", EntityType.STATE_OWNED),
    ("集体", EntityType.COLLECTIVE),
    ("事业单位", EntityType.PUBLIC_INSTITUTION),
    ("社会团体", EntityType.SOCIAL_ORGANISATION),
    ("机关", EntityType.GOVERNMENT),
]

_INDUSTRY_ALIASES = {
    "农、林、牧、渔业": "A",
    "采矿业": "B",
    "制造业": "C",
    "电力、热力、燃气及水生产和供应业": "D",
    "建筑业": "E",
    "批发和零售业": "F",
    "交通运输、仓储和邮政业": "G",
    "住宿和餐饮业": "H",
    "信息传输、软件和信息技术服务业": "I",
    "金融业": "J",
    "房地产业": "K",
    "租赁和商务服务业": "L",
    "科学研究和技术服务业": "M",
    "水利、环境和公共设施管理业": "N",
    "居民服务、修理和其他服务业": "O",
    "教育": "P",
    "卫生和社会工作": "Q",
    "文化、体育和娱乐业": "R",
    "公共管理、社会保障和社会组织": "S",
    "国际组织": "T",
}

_DATE_PATTERNS = [
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})/(?P<m>\d{1,2})/(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})\.(?P<m>\d{1,2})\.(?P<d>\d{1,2})$"),
    re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
]
_ORG_CODE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")


def _text(value: Any) -> str:
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value)).strip()


@lru_cache(maxsize=64)
def _choice_lookup(choices: type, language: str | None) -> dict[str, str]:
    """Values and labels (in the active language and in English) of a choices class, lower-cased."""
    lookup: dict[str, str] = {}
    for member in choices:
        lookup[member.value.lower()] = member.value
        lookup[str(member.label).lower()] = member.value
        with translation.override("en"):
            lookup[str(member.label).lower()] = member.value
    return lookup


def clean_choice(
    value: Any, choices: type, aliases: dict[str, str] | None = None, *, default: str = ""
) -> str:
    """A choice as people and files write it: its code, its label (Chinese or English), or an alias."""
    text = _text(value)
    if not text:
        return default
    if aliases and text in aliases:
        return aliases[text]
    found = _choice_lookup(choices, translation.get_language()).get(text.lower())
    if found is None:
        raise ValueError(
            _("“%(value)s” is not one of: %(options)s.")
            % {"value": text, "options": ", ".join(v for v in choices.values if v)}
        )
    return found


_choice = clean_choice


def clean_name(value: Any) -> str:
    name = _text(value)
    if not name:
        raise ValueError(_("A name is required."))
    if len(name) > MAX_NAME:
        raise ValueError(_("A name has at most %(max)d characters.") % {"max": MAX_NAME})
    return name


def clean_status(value: Any) -> str:
    return _choice(value, EnterpriseStatus, _STATUS_ALIASES) or EnterpriseStatus.IN_OPERATION


def clean_entity_type(value: Any) -> str:
    text = _text(value)
    if not text:
        return EntityType.LIMITED_LIABILITY
    try:
        return _choice(text, EntityType, {})
    except ValueError:
        for keyword, member in _ENTITY_KEYWORDS:
            if keyword in text:
                return member.value
        raise


def clean_industry(value: Any) -> str:
    text = _text(value)
    if len(text) == 1:
        text = text.upper()
    return _choice(text, Industry, _INDUSTRY_ALIASES)


def clean_date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", _text(value))
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                break
    raise ValueError(_("“%(value)s” is not a date; write it as YYYY-MM-DD.") % {"value": text})


def clean_established_on(value: Any) -> dt.date | None:
    date = clean_date(value)
    if date is not None:
        if date > dt.date.today():
            raise ValueError(_("The date of establishment cannot be in the future."))
        if date.year < 1900:
            raise ValueError(_("The date of establishment is before 1900."))
    return date


def clean_capital(value: Any) -> Decimal | None:
    """Registered capital in units of 10,000 yuan; ``100万元`` and ``100万`` are read as 100."""
    if value in (None, ""):
        return None
    text = unicodedata.normalize("NFKC", _text(value)).replace(",", "")
    text = re.sub(r"(万元|万人民币|万元人民币|万)$", "", text).strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(
            _("“%(value)s” is not an amount; give registered capital in 10,000 yuan, e.g. 500.")
            % {"value": value}
        ) from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(_("Registered capital cannot be negative."))
    if amount >= Decimal("1e14"):
        raise ValueError(_("Registered capital is too large."))
    return amount.quantize(Decimal("0.0001"))


def clean_registration_number(value: Any) -> str:
    text = uscc.compact(_text(value))
    if text and not re.fullmatch(r"\d{15}", text):
        raise ValueError(_("A business registration number has 15 digits."))
    return text


def clean_organization_code(value: Any) -> str:
    text = uscc.compact(_text(value))
    if not text:
        return ""
    if not _ORG_CODE.match(text):
        raise ValueError(_("An organisation code has 8 digits or capital letters and a check character."))
    expected = uscc.organization_check(text[:8])
    if text[8] != expected:
        raise ValueError(
            _("The organisation code's check character should be “%(expected)s”.") % {"expected": expected}
        )
    return text


def clean_tax_number(value: Any) -> str:
    text = uscc.compact(_text(value))
    if text and not re.fullmatch(r"[0-9A-Z]{15,20}", text):
        raise ValueError(_("A tax registration number has 15 to 20 digits or capital letters."))
    return text


def clean_uscc(value: Any, *, allow_legacy: bool = False) -> tuple[str, bool]:
    """The stored code and whether it is a legacy code that fails the check character."""
    analysis = uscc.analyse(_text(value))
    if analysis.is_valid:
        return analysis.normalized, False
    if allow_legacy and analysis.is_well_formed:
        return analysis.normalized, True
    raise ValueError(" ".join(e.message for e in analysis.errors))


_CLEANERS = {
    "name": clean_name,
    "status": clean_status,
    "entity_type": clean_entity_type,
    "industry": clean_industry,
    "established_on": clean_established_on,
    "registered_capital": clean_capital,
    "registration_number": clean_registration_number,
    "organization_code": clean_organization_code,
    "tax_number": clean_tax_number,
    "legal_representative": lambda v: _text(v)[:100],
    "domicile": lambda v: _text(v)[:300],
    "registration_authority": lambda v: _text(v)[:200],
}

ENTERPRISE_FIELDS = ["uscc", *_CLEANERS]


def clean_enterprise(
    data: dict[str, Any], *, partial: bool = False, allow_legacy: bool = False
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean the fields present in ``data``; returns (cleaned, errors by field)."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in ENTERPRISE_FIELDS:
        if name not in data and (partial or name not in ("uscc", "name")):
            continue
        try:
            if name == "uscc":
                cleaned["uscc"], cleaned["is_legacy_code"] = clean_uscc(
                    data.get("uscc"), allow_legacy=allow_legacy
                )
            else:
                cleaned[name] = _CLEANERS[name](data.get(name))
        except ValueError as exc:
            errors[name] = [str(exc)]
    code = cleaned.get("uscc")
    org = cleaned.get("organization_code")
    if code and org and code[8:17] != org:
        errors.setdefault("organization_code", []).append(
            _("The organisation code does not match the one inside the USCC (%(embedded)s).")
            % {"embedded": code[8:17]}
        )
    return cleaned, errors


def raise_if_errors(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)
