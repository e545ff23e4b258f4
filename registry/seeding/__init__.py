"""Demo data: the demo agencies, personas and enterprises, and synthetic enterprises in bulk.

``demo_seed`` goes through the ordinary services, so demo rows obey every rule real rows obey.
``enterprises_seed_synthetic`` is the one exception to row-by-row services: it streams generated
rows with PostgreSQL COPY (a million rows in well under a minute) and records the batch as one
audit entry. Neither runs under production settings.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import services
from ..audit import audit_write
from ..choices import DataSource, StaffRoleKind
from ..models import Agency, Branch, Division, Enterprise, EnterpriseChange, KeyPerson, Shareholder, StaffRole
from ..permissions import ensure_registry_admin
from .details import registration_details_seed
from .names import Place, places_from_divisions
from .synthetic import COLUMNS, ORG_PREFIX, seed_index, synthetic_chunks

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_PERSONAS",
    "demo_agencies",
    "demo_data_refusal",
    "demo_enterprise_codes",
    "demo_lock",
    "demo_personas",
    "demo_seed",
    "demo_user_create",
    "enterprises_seed_synthetic",
    "enterprises_seed_synthetic_up_to",
    "name_indexes_restore",
    "seed_places",
    "synthetic_enterprises",
]

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


_SYNTHETIC_LOCK = 0x53454544  # "SEED": one synthetic batch at a time, so indexes never overlap


def demo_data_refusal() -> str | None:
    """Why demo data may not be created here, or None: production settings never get demo data."""
    modules = {os.environ.get("DJANGO_SETTINGS_MODULE", ""), getattr(settings, "SETTINGS_MODULE", "") or ""}
    if any(module.endswith(".production") for module in modules):
        return _("Demo data is never created by production settings.")
    return None


_DEMO_LOCK = 0x44454D4F  # "DEMO": one seed_demo at a time


@contextmanager
def demo_lock() -> Iterator[None]:
    """One demo seed at a time: a second ``seed_demo`` started meanwhile waits for the first, then
    finds everything made. A session lock (each step commits on its own), re-entrant, released
    with the connection if the process dies."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_DEMO_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_DEMO_LOCK])


def _ensure_demo_allowed() -> None:
    refusal = demo_data_refusal()
    if refusal:
        raise PermissionDenied(refusal)


# --- The demo set ---------------------------------------------------------------------------


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


# --- Synthetic enterprises in bulk ---------------------------------------------------------------


def seed_places() -> list[Place]:
    """The current county-level divisions that synthetic enterprises are registered in."""
    return places_from_divisions(
        Division.objects.values_list("code", "name", "level", "valid_until", "full_name")
    )


def _next_seed_index(cursor) -> int:
    # The highest index in use, not the number of rows: deleted rows must not make indexes repeat.
    cursor.execute(
        'SELECT max(substr(uscc, 11, 6) COLLATE "C") FROM registry_enterprise '
        "WHERE source = %s AND substr(uscc, 9, 2) = %s",
        [DataSource.SEED, ORG_PREFIX],
    )
    highest = cursor.fetchone()[0]
    return 0 if highest is None else seed_index("0" * 10 + highest) + 1


# Above this many rows, the name indexes (GIN) are dropped and built again after the COPY: a GIN
# index built in bulk costs a fraction of a million one-by-one insertions into a growing index.
BULK_REBUILD_THRESHOLD = 50_000


def drop_gin_indexes(cursor) -> list[str]:
    """Drop the GIN indexes of the enterprise table (inside the caller's transaction, which holds the
    table locked); returns their definitions, exactly as the migrations made them, to build again."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = 'registry_enterprise' AND indexdef ILIKE '%% USING gin %%'"
    )
    found = cursor.fetchall()
    for name, _definition in found:
        cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


@transaction.atomic
def name_indexes_restore() -> list[str]:
    """Build again any GIN index of the enterprise table that is missing (a bulk seed in parts drops
    them until its last part; a run stopped before its end leaves them dropped). The definitions are
    the model's own (``Enterprise.Meta.indexes``). Returns the names built."""
    from django.contrib.postgres.indexes import GinIndex

    wanted = [index for index in Enterprise._meta.indexes if isinstance(index, GinIndex)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
            [Enterprise._meta.db_table],
        )
        present = {row[0] for row in cursor.fetchall()}
        missing = [index for index in wanted if index.name not in present]
        if not missing:
            return []
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        with connection.schema_editor(atomic=False) as editor:
            for index in missing:
                editor.add_index(Enterprise, index)
    return [index.name for index in missing]


@transaction.atomic
def enterprises_seed_synthetic(
    *,
    count: int,
    actor=None,
    progress: Callable[[int], Any] | None = None,
    rebuild_indexes: bool = True,
) -> int:
    """Add ``count`` synthetic enterprises with valid, never-repeating codes; returns how many.

    ``rebuild_indexes=False`` (a part of a larger seed, ``enterprises_seed_synthetic_up_to``): the
    name indexes dropped for the COPY stay dropped; the caller builds them after its last part.
    """
    actor = actor or services.system_actor()
    ensure_registry_admin(actor)
    _ensure_demo_allowed()
    if count < 0:
        raise ValidationError({"count": [_("The number of enterprises cannot be negative.")]})
    if count == 0:
        return 0
    places = seed_places()
    if not places:
        raise ValidationError(_("The division table is empty: load the reference data first."))
    timestamp = timezone.now().isoformat()
    first = last = ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SYNTHETIC_LOCK])
        start = _next_seed_index(cursor)
        cursor.execute("SELECT coalesce(max(id), 0) FROM registry_enterprise")
        before_id = cursor.fetchone()[0]
        rebuilt = drop_gin_indexes(cursor) if count >= BULK_REBUILD_THRESHOLD else []
        sql = f"COPY registry_enterprise ({', '.join(COLUMNS)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for chunk in synthetic_chunks(start=start, count=count, places=places, timestamp=timestamp):
                copy.write(chunk.text)
                first = first or chunk.first_uscc
                last = chunk.last_uscc
                if progress:
                    progress(chunk.rows)
        # Statistics of the rows just copied (visible to this transaction): without them the planner
        # takes the table for as small as before and joins the branches to their companies by a
        # nested loop, quadratic in the rows (a 200,000-row part ran for over 20 minutes).
        # Only the columns the details' statements select and join on: the table's size comes with any
        # ANALYZE, and the name and search columns cost most of a whole one (10 s at 300,000 rows).
        cursor.execute(f"ANALYZE {Enterprise._meta.db_table} (id, source, entity_type, name)")
        # Their shareholders, key personnel, branches and changes, set-based (``details``).
        registration_details_seed(
            cursor,
            targets="SELECT id FROM registry_enterprise WHERE id > %(low)s AND source = 'seed'",
            params={"low": before_id},
        )
        # And of the details just made: a server without autovacuum (this machine's) would otherwise
        # plan the credit page's lookups of them blind, such as walking every branch in id order to
        # find the five that name an enterprise (150 ms a page at 10 M enterprises instead of 2).
        details = (Shareholder, KeyPerson, Branch, EnterpriseChange)
        cursor.execute(f"ANALYZE {', '.join(model._meta.db_table for model in details)}")
        if rebuilt and rebuild_indexes:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for definition in rebuilt:
                cursor.execute(definition)
    audit_write(
        actor=actor,
        action="enterprise.seed_synthetic",
        target=("registry.enterprise", "seed", f"{count} synthetic enterprises"),
        after={"count": count, "first_uscc": first, "last_uscc": last},
    )
    return count


def synthetic_enterprises():
    """The synthetic enterprises (``enterprises_seed_synthetic``'s, told by their ``MB`` organisation
    codes from the demo set's, which are seeded too)."""
    return Enterprise.objects.filter(source=DataSource.SEED, uscc__regex=f"^.{{8}}{ORG_PREFIX}")


# A seed of more than this many enterprises commits in parts of this size (each its own
# transaction and audit entry), so that a run stopped midway keeps what it made and the next run
# adds only the rest; the name indexes are dropped by the first part and built after the last.
SYNTHETIC_PART_ROWS = 1_000_000


def enterprises_seed_synthetic_up_to(
    *,
    total: int,
    actor=None,
    progress: Callable[[int], Any] | None = None,
    part_rows: int | None = None,
    on_part: Callable[[int, int], Any] | None = None,
) -> int:
    """Make the synthetic enterprises ``total`` in number, adding only the missing ones; returns how many
    were added (0 when there are that many already: running it again adds nothing).

    Streams: the rows are generated and sent by COPY chunk by chunk, never held as a whole; above
    ``SYNTHETIC_PART_ROWS`` they are committed part by part. ``on_part(added, missing)`` is called
    after each committed part."""
    if total < 0:
        raise ValidationError({"count": [_("The number of enterprises cannot be negative.")]})
    part_rows = part_rows or SYNTHETIC_PART_ROWS
    # The name indexes of a run that stopped before its last part.
    name_indexes_restore()
    missing = total - synthetic_enterprises().count()
    if missing <= 0:
        return 0
    if missing <= part_rows:
        return enterprises_seed_synthetic(count=missing, actor=actor, progress=progress)
    added = 0
    try:
        while added < missing:
            part = min(part_rows, missing - added)
            added += enterprises_seed_synthetic(
                count=part, actor=actor, progress=progress, rebuild_indexes=False
            )
            if on_part:
                on_part(added, missing)
    finally:
        # After the last part, or after a failed one: the committed parts are searchable.
        name_indexes_restore()
    return added
