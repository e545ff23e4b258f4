"""The change history (变更记录): written by every service that changes a registration fact, in its
own transaction, and worded and masked the same way for every public output.

An entry's ``before`` and ``after`` hold JSON: the stored value of an enterprise field (a choice's
code, an amount as text, a date in ISO form), a shareholder as an object, the key personnel as a
list of ``{name, role}``, or a branch as ``{uscc, name}``. The public wording is made when the
entry is shown, in the reader's language, and a natural-person shareholder's name is masked there
(``public_change``), so no stored text ever needs masking afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..audit import _plain
from ..choices import (
    ChangeItem,
    ContributionForm,
    EnterpriseStatus,
    EntityType,
    Industry,
    PersonnelRole,
    ShareholderKind,
)
from ..models import Enterprise, EnterpriseChange, KeyPerson, Shareholder
from ..personal_data import mask_person_name

# The enterprise columns whose changes are registration changes (the items of ``ChangeItem``).
FIELD_ITEMS = (
    "name",
    "entity_type",
    "status",
    "legal_representative",
    "registered_capital",
    "established_on",
    "domicile",
    "registration_authority",
    "industry",
    "registration_number",
    "organization_code",
    "tax_number",
)
SHAREHOLDER_FIELDS = (
    "name",
    "kind",
    "uscc",
    "subscribed_amount",
    "subscribed_on",
    "paid_in_amount",
    "paid_in_on",
    "contribution_form",
)


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return _plain(value)


def shareholder_json(shareholder: Shareholder | dict[str, Any]) -> dict[str, Any]:
    """A shareholder as a change entry keeps it."""
    get = shareholder.get if isinstance(shareholder, dict) else lambda name: getattr(shareholder, name)
    return {name: _value(get(name)) for name in SHAREHOLDER_FIELDS}


def personnel_json(people: Iterable[KeyPerson | dict[str, Any]]) -> list[dict[str, str]]:
    """The key personnel as a change entry keeps them."""
    out = []
    for person in people:
        if isinstance(person, dict):
            out.append({"name": person["name"], "role": str(person["role"])})
        else:
            out.append({"name": person.name, "role": str(person.role)})
    return out


def change_write(
    *, enterprise: Enterprise | int, item: str, before: Any, after: Any, changed_on: dt.date | None = None
) -> EnterpriseChange:
    """One entry of the change history (inside the caller's transaction)."""
    return EnterpriseChange.objects.create(
        enterprise_id=enterprise if isinstance(enterprise, int) else enterprise.pk,
        item=item,
        before=before,
        after=after,
        changed_on=changed_on or timezone.localdate(),
    )


def _field_value(name: str, value: Any) -> Any:
    if name == "registered_capital" and value not in (None, ""):
        return _value(Decimal(str(value)))
    return _value(value)


def field_changes(
    enterprise_id: int, before: dict[str, Any], after: dict[str, Any], *, changed_on: dt.date
) -> list[EnterpriseChange]:
    """Unsaved entries for the enterprise fields that differ between two snapshots."""
    entries = []
    for name in FIELD_ITEMS:
        old, new = _field_value(name, before.get(name)), _field_value(name, after.get(name))
        if name in after and old != new:
            entries.append(
                EnterpriseChange(
                    enterprise_id=enterprise_id,
                    item=name,
                    before=old,
                    after=new,
                    changed_on=changed_on,
                )
            )
    return entries


def field_changes_write(
    enterprise: Enterprise,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    changed_on: dt.date | None = None,
) -> list[EnterpriseChange]:
    entries = field_changes(enterprise.pk, before, after, changed_on=changed_on or timezone.localdate())
    return EnterpriseChange.objects.bulk_create(entries)


# --- What the public sees -------------------------------------------------------------------------

_CHOICES = {
    "status": EnterpriseStatus,
    "entity_type": EntityType,
    "industry": Industry,
    "kind": ShareholderKind,
    "contribution_form": ContributionForm,
    "role": PersonnelRole,
    "item": ChangeItem,
}
_LABELS: dict[tuple[str | None, str], dict[str, str]] = {}


def label(name: str, value: str | None) -> str:
    """A choice's label in the active language (the value itself if unknown)."""
    if not value:
        return ""
    key = (translation.get_language(), name)
    labels = _LABELS.get(key)
    if labels is None:
        labels = _LABELS[key] = {c.value: str(c.label) for c in _CHOICES[name]}
    return labels.get(value, value)


def public_shareholder(data: dict[str, Any]) -> dict[str, Any]:
    """A shareholder as anyone may see it: a natural person's name masked (张*丰), as a record's
    natural-person party is (``docs/domain.md``, "Personal data on public pages")."""
    out = dict(data)
    if data.get("kind") == ShareholderKind.NATURAL_PERSON:
        out["name"] = mask_person_name(data.get("name") or "")
        out["uscc"] = ""
    return out


def _amount(value: str | None) -> str:
    return "—" if value in (None, "") else str(value)


def shareholder_text(data: dict[str, Any]) -> str:
    """One line for a (public) shareholder, in the active language."""
    text = _("%(name)s (%(kind)s): subscribed %(subscribed)s, paid in %(paid)s (10,000 yuan)") % {
        "name": data.get("name") or "",
        "kind": label("kind", data.get("kind")),
        "subscribed": _amount(data.get("subscribed_amount")),
        "paid": _amount(data.get("paid_in_amount")),
    }
    if data.get("contribution_form"):
        text += " · " + label("contribution_form", data["contribution_form"])
    return text


def _side_public(item: str, value: Any) -> Any:
    if value is None:
        return None
    if item == ChangeItem.SHAREHOLDER:
        return public_shareholder(value)
    return value


def _side_text(item: str, value: Any) -> str:
    if value is None or value == "":
        return "—"
    if item == ChangeItem.SHAREHOLDER:
        return shareholder_text(value)
    if item == ChangeItem.PERSONNEL:
        return "、".join(f"{p['name']} ({label('role', p['role'])})" for p in value) or "—"
    if item == ChangeItem.BRANCH:
        return f"{value.get('name', '')} ({value.get('uscc', '')})"
    if item in ("status", "entity_type", "industry"):
        return label(item, value)
    return str(value)


def public_change(entry: EnterpriseChange | dict[str, Any]) -> dict[str, Any]:
    """A change entry as anyone may see it: masked values and their wording in the active language."""
    get = entry.get if isinstance(entry, dict) else lambda name: getattr(entry, name)
    item = get("item")
    before, after = _side_public(item, get("before")), _side_public(item, get("after"))
    changed_on = get("changed_on")
    return {
        "id": get("id"),
        "item": item,
        "item_display": label("item", item),
        "before": before,
        "after": after,
        "before_text": _side_text(item, before),
        "after_text": _side_text(item, after),
        "changed_on": changed_on.isoformat() if isinstance(changed_on, dt.date) else changed_on,
    }
