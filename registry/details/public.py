"""What anyone may see of an enterprise's registration details, read in one subquery and presented
once for the credit page, the public API and the PDF report.

The policy (``docs/registration-details.md``): a shareholder who is a natural person is named only
in part (张*丰) and has no code shown, as a record's natural-person party is; key personnel are
registration facts published in full, as the legal representative is (the chair or executive
director is usually that same person); branches and the parent show their codes and names.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Cast, JSONObject

from ..models import Branch, Enterprise, EnterpriseChange, KeyPerson, Shareholder
from .changes import label, public_change, public_shareholder

# How many of each the page shows; the API lists them all (the change history page by page).
SHOWN = 50
CHANGES_SHOWN = 20


def registration_details_subquery(outer: str = "pk"):
    """A one-row subquery of the enterprise ``OuterRef(outer)``: its details as one JSON object."""
    shareholders = (
        Shareholder.objects.filter(enterprise=OuterRef("pk"))
        .order_by("position", "id")
        .values(
            json=JSONObject(
                name="name",
                kind="kind",
                uscc="uscc",
                subscribed_amount=Cast("subscribed_amount", models.TextField()),
                subscribed_on="subscribed_on",
                paid_in_amount=Cast("paid_in_amount", models.TextField()),
                paid_in_on="paid_in_on",
                contribution_form="contribution_form",
            )
        )[:SHOWN]
    )
    personnel = (
        KeyPerson.objects.filter(enterprise=OuterRef("pk"))
        .order_by("position", "id")
        .values(json=JSONObject(name="name", role="role"))[:SHOWN]
    )
    branches = (
        Branch.objects.filter(parent=OuterRef("pk"))
        .order_by("uscc")
        .values(json=JSONObject(uscc="uscc", name="name", registered=F("branch_enterprise_id")))[:SHOWN]
    )
    parents = (
        Branch.objects.filter(branch_enterprise=OuterRef("pk"))
        .order_by("id")
        .values(json=JSONObject(uscc="parent__uscc", name="parent__name"))[:5]
    )
    changes = (
        EnterpriseChange.objects.filter(enterprise=OuterRef("pk"))
        .order_by("-changed_on", "-id")
        .values(
            json=JSONObject(id="id", item="item", before="before", after="after", changed_on="changed_on")
        )[:CHANGES_SHOWN]
    )
    counts = JSONObject(
        shareholders=Subquery(
            Shareholder.objects.filter(enterprise=OuterRef("pk"))
            .order_by()
            .values("enterprise")
            .annotate(n=Count("*"))
            .values("n")[:1]
        ),
        branches=Subquery(
            Branch.objects.filter(parent=OuterRef("pk"))
            .order_by()
            .values("parent")
            .annotate(n=Count("*"))
            .values("n")[:1]
        ),
        changes=Subquery(
            EnterpriseChange.objects.filter(enterprise=OuterRef("pk"))
            .order_by()
            .values("enterprise")
            .annotate(n=Count("*"))
            .values("n")[:1]
        ),
    )
    return Enterprise.objects.filter(pk=OuterRef(outer)).values(
        json=JSONObject(
            shareholders=ArraySubquery(shareholders),
            personnel=ArraySubquery(personnel),
            branches=ArraySubquery(branches),
            parents=ArraySubquery(parents),
            changes=ArraySubquery(changes),
            counts=counts,
        )
    )


def registration_details_read(enterprise: Enterprise) -> dict[str, Any]:
    """The enterprise's details as ``registration_details_subquery`` reads them (one query)."""
    row = (
        Enterprise.objects.filter(pk=enterprise.pk)
        .annotate(details=ArraySubquery(registration_details_subquery()))
        .values_list("details", flat=True)
        .first()
    )
    if not row:
        return {}
    value = row[0]
    return json.loads(value) if isinstance(value, str) else value


def public_registration_details(data: dict[str, Any]) -> dict[str, Any]:
    """The details as anyone may see them: natural-person shareholders masked, labels in the active
    language, the latest changes worded (``public_change``)."""
    counts = data.get("counts") or {}
    shareholders = []
    for item in data.get("shareholders") or []:
        shown = public_shareholder(item)
        for name in ("subscribed_amount", "paid_in_amount"):
            if shown.get(name) is not None:
                shown[name] = format(Decimal(shown[name]).normalize(), "f")
        shown["kind_display"] = label("kind", item.get("kind"))
        shown["contribution_form_display"] = label("contribution_form", item.get("contribution_form"))
        shareholders.append(shown)
    personnel = [
        {"name": p["name"], "role": p["role"], "role_display": label("role", p["role"])}
        for p in data.get("personnel") or []
    ]
    branches = [
        {"uscc": b["uscc"], "name": b["name"], "registered_here": b.get("registered") is not None}
        for b in data.get("branches") or []
    ]
    return {
        "shareholders": shareholders,
        "personnel": personnel,
        "branches": branches,
        "parents": [{"uscc": p["uscc"], "name": p["name"]} for p in data.get("parents") or []],
        "changes": [public_change(c) for c in data.get("changes") or []],
        "shareholders_count": counts.get("shareholders") or 0,
        "branches_count": counts.get("branches") or 0,
        "changes_count": counts.get("changes") or 0,
    }
