"""The demo set: the demo agencies, accounts (personas) and enterprises, with their registration details.

``demo_seed`` goes through the ordinary services, so demo rows obey every rule real rows obey; it
creates only what is missing. The agencies and enterprises come from ``fixtures/``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from .. import services
from ..audit import audit_write
from ..choices import DataSource, StaffRoleKind
from ..models import Agency, Enterprise, StaffRole
from ..permissions import ensure_registry_admin
from .details import registration_details_seed
from .guards import _ensure_demo_allowed

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
AGENCIES_FILE = FIXTURES / "demo_agencies.json"
ENTERPRISES_FILE = FIXTURES / "demo_enterprises.csv"

DEMO_PASSWORD = "demo12345"  # noqa: S105 - published demo accounts, never created in production
SAMR = "国家市场监督管理总局"
ZHEJIANG = "浙江省市场监督管理局"
# The accounts the README names: username, agency name (None: registry administrator), role.
DEMO_PERSONAS: tuple[tuple[str, str | None, str], ...] = (
    ("admin", None, StaffRoleKind.REGISTRY_ADMIN),
    ("samr_clerk", SAMR, StaffRoleKind.CLERK),
    ("samr_reviewer", SAMR, StaffRoleKind.REVIEWER),
    ("zj_clerk", ZHEJIANG, StaffRoleKind.CLERK),
    ("zj_reviewer", ZHEJIANG, StaffRoleKind.REVIEWER),
)


def demo_agencies() -> list[dict[str, Any]]:
    """The demo agencies as ``fixtures/demo_agencies.json`` has them (``code``: the short code of
    their demo accounts, ``short``: the abbreviation their decision numbers start with)."""
    return json.loads(AGENCIES_FILE.read_text(encoding="utf-8"))


def demo_personas() -> tuple[tuple[str, str | None, str], ...]:
    """Every demo account: ``DEMO_PERSONAS``, then a clerk and a reviewer of each other demo agency
    (``<code>_clerk``, ``<code>_reviewer``), who enter and publish that agency's demo records."""
    named = {username for username, _agency, _role in DEMO_PERSONAS}
    extra = []
    for item in demo_agencies():
        for role in (StaffRoleKind.CLERK, StaffRoleKind.REVIEWER):
            username = f"{item['code']}_{role}"
            if username not in named:
                extra.append((username, item["name"], role))
    return DEMO_PERSONAS + tuple(extra)


def _agencies_seed(actor) -> int:
    created = 0
    for item in demo_agencies():
        if (
            Agency.objects.filter(name=item["name"]).exists()
            or Agency.objects.filter(uscc=item["uscc"]).exists()
        ):
            continue
        parent = Agency.objects.get(name=item["parent"]) if item.get("parent") else None
        services.agency_create(
            actor=actor,
            data={
                "name": item["name"],
                "uscc": item["uscc"],
                "level": item["level"],
                "division": item["division"],
                "parent": parent,
                "sectors": item.get("sectors", []),
                "publicity_system": item.get("publicity_system", ""),
            },
        )
        created += 1
    return created


def demo_user_create(*, actor, username: str, is_admin: bool = False, can_sign_in: bool = True):
    """A demo account (password ``DEMO_PASSWORD``, or none that works); returns (user, created).

    Never under production settings; the account's creation is audited like any other write.
    """
    ensure_registry_admin(actor)
    _ensure_demo_allowed()
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User(username=username, is_staff=is_admin, is_superuser=is_admin, is_active=True)
    if can_sign_in:
        user.set_password(DEMO_PASSWORD)
    else:
        user.set_unusable_password()
    user.save()
    audit_write(
        actor=actor,
        action="user.create",
        target=user,
        after={"username": username, "is_staff": is_admin, "is_superuser": is_admin, "demo": True},
    )
    return user, True


def _personas_seed(actor) -> tuple[int, int]:
    users = roles = 0
    for username, agency_name, role in demo_personas():
        is_admin = role == StaffRoleKind.REGISTRY_ADMIN
        user, created = demo_user_create(actor=actor, username=username, is_admin=is_admin)
        users += created
        agency = Agency.objects.get(name=agency_name) if agency_name else None
        if not StaffRole.objects.filter(user=user, agency=agency, role=role).exists():
            services.staff_role_grant(actor=actor, user=user, role=role, agency=agency)
            roles += 1
    return users, roles


def demo_enterprise_codes() -> list[str]:
    """The codes of the demo set's enterprises (``fixtures/demo_enterprises.csv``), in file order."""
    with ENTERPRISES_FILE.open(encoding="utf-8", newline="") as handle:
        return [row["uscc"] for row in csv.DictReader(handle)]


def _enterprises_seed(actor) -> int:
    with ENTERPRISES_FILE.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    existing = set(
        Enterprise.objects.filter(uscc__in=[r["uscc"] for r in rows]).values_list("uscc", flat=True)
    )
    created = 0
    for row in rows:
        if row["uscc"] in existing:
            continue
        former = row.pop("former_name", "").strip()
        services.enterprise_register(
            actor=actor,
            data=row,
            former_names=[{"name": former}] if former else None,
            source=DataSource.SEED,
        )
        created += 1
    return created


@transaction.atomic
def demo_seed(*, actor=None) -> dict[str, int]:
    """Create the demo agencies, personas and enterprises that are missing; returns what was created."""
    actor = actor or services.system_actor()
    ensure_registry_admin(actor)
    _ensure_demo_allowed()
    agencies = _agencies_seed(actor)
    users, roles = _personas_seed(actor)
    enterprises = _enterprises_seed(actor)
    details = _details_seed(actor)
    return {
        "agencies": agencies,
        "users": users,
        "roles": roles,
        "enterprises": enterprises,
        "registration_details": details,
    }


# Cities a few demo companies have a branch in that is registered elsewhere (not in this registry).
_BRANCH_CITIES = ("上海", "北京", "广州", "成都", "武汉", "西安")


def _demo_branches_elsewhere(ids: list[int]) -> int:
    """About 3 % of the demo companies get a branch that is not registered here: its own valid code
    (organisation code ``MC`` + the parent's), shown on the parent's page without a link."""
    from ..details.changes import change_write
    from ..models import Branch
    from ..uscc import make_code

    made = 0
    companies = Enterprise.objects.filter(pk__in=ids, entity_type="llc", established_on__isnull=False)
    for index, parent in enumerate(companies.order_by("id")):
        if index % 33 != 5:
            continue
        city = _BRANCH_CITIES[(index // 33) % len(_BRANCH_CITIES)]
        code = make_code(
            authority="9", category="1", division=parent.uscc[2:8], organization="MC" + parent.uscc[10:16]
        )
        name = f"{parent.name}{city}分公司"
        Branch.objects.create(
            parent=parent, uscc=code, name=name, registration_authority=parent.registration_authority
        )
        change_write(
            enterprise=parent,
            item="branch",
            before=None,
            after={"uscc": code, "name": name},
            changed_on=parent.established_on + dt.timedelta(days=400 + index),
        )
        made += 2
    return made


def _details_seed(actor) -> int:
    """Shareholders, key personnel, branches and changes for the demo enterprises that have none yet;
    returns how many rows were made."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(e.id) FROM registry_enterprise e WHERE e.uscc = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM registry_keyperson k WHERE k.enterprise_id = e.id) "
            "AND NOT EXISTS (SELECT 1 FROM registry_shareholder s WHERE s.enterprise_id = e.id) "
            "AND NOT EXISTS (SELECT 1 FROM registry_enterprisechange c WHERE c.enterprise_id = e.id)",
            [demo_enterprise_codes()],
        )
        ids = cursor.fetchone()[0] or []
        if not ids:
            return 0
        made = registration_details_seed(
            cursor, targets="SELECT unnest(%(ids)s::bigint[]) AS id", params={"ids": ids}
        )
    made += _demo_branches_elsewhere(ids)
    if made:
        audit_write(
            actor=actor,
            action="enterprise.seed_details",
            target=("registry.enterprise", "seed", f"registration details of {len(ids)} demo enterprises"),
            after={"enterprises": len(ids), "rows": made},
        )
    return made
