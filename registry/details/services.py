"""Every write of shareholders, key personnel and branches. Each checks that the actor is a
registry administrator, validates (``validation``), saves, writes its change-history entry
(``changes``) and its audit entry in one transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from ..audit import audit_write
from ..cache import enterprise_changed
from ..choices import ChangeItem
from ..models import Branch, Enterprise, KeyPerson, Shareholder
from ..permissions import ensure_registry_admin
from ..validation import raise_if_errors
from .changes import change_write, personnel_json, shareholder_json
from .validation import clean_branch, clean_person, clean_shareholder


def _locked(enterprise: Enterprise) -> Enterprise:
    # One writer of an enterprise's details at a time, so that the history's before is exact.
    return Enterprise.objects.select_for_update().get(pk=enterprise.pk)


@transaction.atomic
def shareholder_add(
    *, actor, enterprise: Enterprise, data: dict[str, Any], changed_on: dt.date | None = None
) -> Shareholder:
    """Record a shareholder (contributor) of an enterprise and what it subscribed and paid in."""
    ensure_registry_admin(actor)
    enterprise = _locked(enterprise)
    cleaned, errors = clean_shareholder(data)
    if "name" in cleaned and enterprise.shareholders.filter(name=cleaned["name"]).exists():
        errors.setdefault("name", []).append(_("This enterprise already has a shareholder of this name."))
    raise_if_errors(errors)
    position = enterprise.shareholders.count()
    shareholder = Shareholder.objects.create(enterprise=enterprise, position=position, **cleaned)
    after = shareholder_json(shareholder)
    change_write(
        enterprise=enterprise, item=ChangeItem.SHAREHOLDER, before=None, after=after, changed_on=changed_on
    )
    audit_write(actor=actor, action="enterprise.shareholder_add", target=enterprise, after=after)
    enterprise_changed(enterprise.pk)
    return shareholder


@transaction.atomic
def shareholder_update(
    *, actor, shareholder: Shareholder, data: dict[str, Any], changed_on: dt.date | None = None
) -> Shareholder:
    """Change a shareholder's contribution (fields not given stay as they are)."""
    ensure_registry_admin(actor)
    enterprise = _locked(shareholder.enterprise)
    shareholder = Shareholder.objects.get(pk=shareholder.pk)
    before = shareholder_json(shareholder)
    cleaned, errors = clean_shareholder({**before, **data})
    if (
        "name" in cleaned
        and cleaned["name"] != shareholder.name
        and enterprise.shareholders.filter(name=cleaned["name"]).exists()
    ):
        errors.setdefault("name", []).append(_("This enterprise already has a shareholder of this name."))
    raise_if_errors(errors)
    for name, value in cleaned.items():
        setattr(shareholder, name, value)
    after = shareholder_json(shareholder)
    if after == before:
        return shareholder
    shareholder.save()
    change_write(
        enterprise=enterprise, item=ChangeItem.SHAREHOLDER, before=before, after=after, changed_on=changed_on
    )
    audit_write(
        actor=actor, action="enterprise.shareholder_update", target=enterprise, before=before, after=after
    )
    enterprise_changed(enterprise.pk)
    return shareholder


@transaction.atomic
def shareholder_remove(*, actor, shareholder: Shareholder, changed_on: dt.date | None = None) -> None:
    """Take a shareholder off the register (it transferred its whole share, say)."""
    ensure_registry_admin(actor)
    enterprise = _locked(shareholder.enterprise)
    before = shareholder_json(shareholder)
    shareholder.delete()
    change_write(
        enterprise=enterprise, item=ChangeItem.SHAREHOLDER, before=before, after=None, changed_on=changed_on
    )
    audit_write(actor=actor, action="enterprise.shareholder_remove", target=enterprise, before=before)
    enterprise_changed(enterprise.pk)


def clean_personnel(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The key personnel cleaned, or a ValidationError naming each person (by number) and field."""
    cleaned, errors, seen = [], [], set()
    for index, person in enumerate(people or []):
        item, item_errors = clean_person(person)
        for field, messages in item_errors.items():
            for message in messages:
                errors.append(
                    _("Person %(n)d, %(field)s: %(error)s")
                    % {"n": index + 1, "field": field, "error": message}
                )
        key = (item.get("name"), item.get("role"))
        if not item_errors:
            if key in seen:
                errors.append(
                    _("Person %(n)d: the same person is listed twice in the same role.") % {"n": index + 1}
                )
            seen.add(key)
            cleaned.append(item)
    if errors:
        raise ValidationError({"personnel": errors})
    return cleaned


@transaction.atomic
def personnel_set(
    *, actor, enterprise: Enterprise, people: list[dict[str, Any]], changed_on: dt.date | None = None
) -> list[KeyPerson]:
    """Record the enterprise's key personnel as filed (主要人员备案): the list replaces the last one."""
    ensure_registry_admin(actor)
    enterprise = _locked(enterprise)
    cleaned = clean_personnel(people)
    current = list(enterprise.personnel.all())
    before, after = personnel_json(current), personnel_json(cleaned)
    if before == after:
        return current
    enterprise.personnel.all().delete()
    created = KeyPerson.objects.bulk_create(
        KeyPerson(enterprise=enterprise, position=i, **person) for i, person in enumerate(cleaned)
    )
    change_write(
        enterprise=enterprise, item=ChangeItem.PERSONNEL, before=before, after=after, changed_on=changed_on
    )
    audit_write(
        actor=actor,
        action="enterprise.personnel_set",
        target=enterprise,
        before={"personnel": before},
        after={"personnel": after},
    )
    enterprise_changed(enterprise.pk)
    return created


@transaction.atomic
def branch_link(
    *, actor, parent: Enterprise, data: dict[str, Any], changed_on: dt.date | None = None
) -> Branch:
    """Record a branch of an enterprise under the branch's own code; if the branch is registered here,
    its page shows the parent and the parent's page links to it."""
    ensure_registry_admin(actor)
    parent = _locked(parent)
    cleaned, errors = clean_branch(data)
    code = cleaned.get("uscc")
    if code == parent.uscc:
        errors.setdefault("uscc", []).append(_("An enterprise cannot be its own branch."))
    elif code and parent.branches.filter(uscc=code).exists():
        errors.setdefault("uscc", []).append(_("This branch is already recorded for the enterprise."))
    elif code and Branch.objects.filter(uscc=code).exclude(parent=parent).exists():
        errors.setdefault("uscc", []).append(
            _("This code is already recorded as another enterprise's branch.")
        )
    raise_if_errors(errors)
    branch = Branch.objects.create(
        parent=parent, branch_enterprise=Enterprise.objects.filter(uscc=code).first(), **cleaned
    )
    after = {"uscc": branch.uscc, "name": branch.name}
    change_write(enterprise=parent, item=ChangeItem.BRANCH, before=None, after=after, changed_on=changed_on)
    audit_write(actor=actor, action="enterprise.branch_link", target=parent, after=after)
    enterprise_changed(*[pk for pk in (parent.pk, branch.branch_enterprise_id) if pk])
    return branch


@transaction.atomic
def branch_unlink(*, actor, branch: Branch, changed_on: dt.date | None = None) -> None:
    """Take a branch off its enterprise's register (the branch was deregistered, say)."""
    ensure_registry_admin(actor)
    parent = _locked(branch.parent)
    before = {"uscc": branch.uscc, "name": branch.name}
    linked = branch.branch_enterprise_id
    branch.delete()
    change_write(enterprise=parent, item=ChangeItem.BRANCH, before=before, after=None, changed_on=changed_on)
    audit_write(actor=actor, action="enterprise.branch_unlink", target=parent, before=before)
    enterprise_changed(*[pk for pk in (parent.pk, linked) if pk])


def branches_link_registered(*, uscc_codes: list[str] | None = None) -> int:
    """Point branch rows at enterprises registered since under their codes (after a registration or
    an import), set-based; returns how many were linked."""
    where = "AND b.uscc = ANY(%s)" if uscc_codes is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE registry_branch b SET branch_enterprise_id = e.id FROM registry_enterprise e
            WHERE b.branch_enterprise_id IS NULL AND e.uscc = b.uscc {where}
            RETURNING b.parent_id, e.id
            """,  # noqa: S608 - a constant fragment; the codes travel as a parameter
            [list(uscc_codes)] if uscc_codes is not None else [],
        )
        rows = cursor.fetchall()
    if rows:
        enterprise_changed([pk for row in rows for pk in row])
    return len(rows)
