"""Demo data: the demo set through the services, synthetic enterprises through COPY, and where neither may run."""

import csv
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.utils import translation

from registry import seeding, uscc
from registry.choices import DataSource, StaffRoleKind
from registry.models import Agency, AuditEntry, Division, Enterprise, EnterpriseFormerName, StaffRole
from registry.seeding.synthetic import _TRIPLES, seed_code, seed_index

pytestmark = [pytest.mark.django_db]

DEMO_AGENCIES = json.loads(seeding.AGENCIES_FILE.read_text(encoding="utf-8"))
with seeding.ENTERPRISES_FILE.open(encoding="utf-8", newline="") as _handle:
    DEMO_ENTERPRISES = list(csv.DictReader(_handle))


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def production(monkeypatch):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "config.settings.production")


def current_counties() -> set[str]:
    return set(
        Division.objects.filter(level="county", valid_until__isnull=True).values_list("code", flat=True)
    )


def roles_of(username: str) -> set[tuple[str | None, str]]:
    return {
        (r.agency.name if r.agency_id else None, r.role)
        for r in StaffRole.objects.filter(user__username=username).select_related("agency")
    }


# --- The demo files ------------------------------------------------------------------------------


def test_demo_files_hold_valid_codes_of_real_current_places():
    assert len(DEMO_AGENCIES) >= 12
    assert 300 <= len(DEMO_ENTERPRISES) <= 400
    counties = current_counties()
    for row in DEMO_ENTERPRISES:
        assert uscc.is_valid(row["uscc"]), row
        assert row["uscc"][2:8] in counties, row
        assert row["registration_authority"].endswith("市场监督管理局")
    for item in DEMO_AGENCIES:
        assert uscc.is_valid(item["uscc"]) and item["uscc"][:2] == "11"
        assert Division.objects.filter(code=item["division"]).exists()
    assert len({item["code"] for item in DEMO_AGENCIES}) == len(DEMO_AGENCIES)
    assert all(item["short"] for item in DEMO_AGENCIES)
    assert len({r["uscc"] for r in DEMO_ENTERPRISES}) == len(DEMO_ENTERPRISES)
    assert len({r["name"] for r in DEMO_ENTERPRISES}) == len(DEMO_ENTERPRISES)


# --- demo_seed -----------------------------------------------------------------------------------


def test_demo_seed_creates_agencies_personas_and_enterprises():
    created = seeding.demo_seed()

    personas = seeding.demo_personas()
    assert created == {
        "agencies": len(DEMO_AGENCIES),
        "users": len(personas),
        "roles": len(personas),
        "enterprises": len(DEMO_ENTERPRISES),
        "registration_details": created["registration_details"],
    }
    assert len(personas) == len(seeding.DEMO_PERSONAS) + 2 * (len(DEMO_AGENCIES) - 2)
    zhejiang = Agency.objects.get(name="浙江省市场监督管理局")
    assert zhejiang.parent.name == "国家市场监督管理总局"
    assert zhejiang.division_id == "330000" and zhejiang.level == "provincial"

    User = get_user_model()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password("demo12345")
    assert roles_of("admin") == {(None, StaffRoleKind.REGISTRY_ADMIN)}
    assert roles_of("samr_clerk") == {("国家市场监督管理总局", StaffRoleKind.CLERK)}
    assert roles_of("samr_reviewer") == {("国家市场监督管理总局", StaffRoleKind.REVIEWER)}
    assert roles_of("zj_clerk") == {("浙江省市场监督管理局", StaffRoleKind.CLERK)}
    assert roles_of("zj_reviewer") == {("浙江省市场监督管理局", StaffRoleKind.REVIEWER)}
    assert not User.objects.get(username="zj_clerk").is_staff
    assert User.objects.get(username="zj_clerk").check_password("demo12345")
    # Every demo agency has a clerk and a reviewer, who enter and publish its demo records.
    for item in DEMO_AGENCIES:
        agency = item["name"]
        assert roles_of(f"{item['code']}_clerk") == {(agency, StaffRoleKind.CLERK)}
        assert roles_of(f"{item['code']}_reviewer") == {(agency, StaffRoleKind.REVIEWER)}

    enterprises = Enterprise.objects.all()
    assert enterprises.count() == len(DEMO_ENTERPRISES)
    assert all(uscc.is_valid(code) for code in enterprises.values_list("uscc", flat=True))
    assert set(enterprises.values_list("source", flat=True)) == {DataSource.SEED}
    assert set(enterprises.values_list("division_code", flat=True)) <= current_counties()
    west_lake = Enterprise.objects.get(name="杭州西湖建设工程有限公司")
    assert west_lake.division_code == "330106" and west_lake.industry == "E"
    with_former = [r for r in DEMO_ENTERPRISES if r["former_name"]]
    assert with_former
    assert EnterpriseFormerName.objects.count() == len(with_former)
    sample = with_former[0]
    assert Enterprise.objects.get(uscc=sample["uscc"]).former_names.get().name == sample["former_name"]
    assert AuditEntry.objects.filter(action="enterprise.register").count() == len(DEMO_ENTERPRISES)


def test_demo_seed_twice_creates_nothing_new():
    seeding.demo_seed()
    counts = (
        Agency.objects.count(),
        get_user_model().objects.count(),
        StaffRole.objects.count(),
        Enterprise.objects.count(),
        AuditEntry.objects.count(),
    )

    again = seeding.demo_seed()

    assert again == {"agencies": 0, "users": 0, "roles": 0, "enterprises": 0, "registration_details": 0}
    assert counts == (
        Agency.objects.count(),
        get_user_model().objects.count(),
        StaffRole.objects.count(),
        Enterprise.objects.count(),
        AuditEntry.objects.count(),
    )


def test_demo_seed_uses_an_agency_that_already_exists_by_name(market_agency):
    created = seeding.demo_seed()

    assert created["agencies"] == len(DEMO_AGENCIES) - 1
    assert Agency.objects.filter(name="浙江省市场监督管理局").get() == market_agency
    assert StaffRole.objects.filter(user__username="zj_clerk", agency=market_agency).exists()


def test_clerk_cannot_seed_demo_data(clerk):
    with pytest.raises(PermissionDenied):
        seeding.demo_seed(actor=clerk)
    assert not Enterprise.objects.exists()
    assert not get_user_model().objects.filter(username="admin").exists()


# --- Synthetic enterprises -----------------------------------------------------------------------


def test_seed_codes_are_the_codes_make_code_gives():
    for index in [0, 1, 30, 31, 29790, 29791, 123_456, 10**7, 31**6 - 1]:
        for category, division in [("1", "330106"), ("2", "110105"), ("3", "513233")]:
            org = "MB" + _TRIPLES[index // 29791] + _TRIPLES[index % 29791]
            expected = uscc.make_code(authority="9", category=category, division=division, organization=org)
            assert seed_code(index, category=category, division=division) == expected
            assert seed_index(expected) == index


def test_synthetic_seeding_writes_valid_unique_codes_of_current_counties_and_one_audit_entry():
    made = seeding.enterprises_seed_synthetic(count=2000)

    assert made == 2000
    rows = list(Enterprise.objects.values_list("uscc", "name", "division_code", "source", "created_at"))
    codes = [r[0] for r in rows]
    assert len(rows) == 2000 and len(set(codes)) == 2000
    assert all(uscc.is_valid(code) for code in codes)
    assert {r[2] for r in rows} <= current_counties()
    assert all(code[2:8] == r[2] for code, r in zip(codes, rows, strict=True))
    assert {r[3] for r in rows} == {DataSource.SEED}
    assert all(r[4] is not None for r in rows)
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in r[1]) for r in rows)
    assert sorted(seed_index(code) for code in codes) == list(range(2000))

    entry = AuditEntry.objects.get(action="enterprise.seed_synthetic")
    assert entry.actor.username == "system"
    assert (entry.target_type, entry.target_id, entry.target_repr) == (
        "registry.enterprise",
        "seed",
        "2000 synthetic enterprises",
    )
    assert entry.after["count"] == 2000
    assert seed_index(entry.after["first_uscc"]) == 0 and seed_index(entry.after["last_uscc"]) == 1999
    assert (
        Enterprise.objects.filter(uscc__in=[entry.after["first_uscc"], entry.after["last_uscc"]]).count() == 2
    )


def test_a_second_synthetic_batch_continues_without_collisions():
    seeding.enterprises_seed_synthetic(count=2000)
    first_batch = set(Enterprise.objects.values_list("uscc", flat=True))

    seeding.enterprises_seed_synthetic(count=500)

    codes = set(Enterprise.objects.values_list("uscc", flat=True))
    assert len(codes) == 2500
    assert sorted(seed_index(c) for c in codes - first_batch) == list(range(2000, 2500))
    entries = AuditEntry.objects.filter(action="enterprise.seed_synthetic").order_by("id")
    assert [e.after["count"] for e in entries] == [2000, 500]


def test_synthetic_seeding_never_reuses_a_code_after_rows_were_deleted():
    seeding.enterprises_seed_synthetic(count=100)
    oldest = sorted(Enterprise.objects.values_list("uscc", flat=True), key=seed_index)[:50]
    with connection.cursor() as cursor:  # plain SQL: no cascade through other apps' tables
        ids = "(SELECT id FROM registry_enterprise WHERE uscc = ANY(%(codes)s))"
        for table, column in (
            ("registry_shareholder", "enterprise_id"),
            ("registry_keyperson", "enterprise_id"),
            ("registry_enterprisechange", "enterprise_id"),
            ("registry_branch", "parent_id"),
            ("registry_branch", "branch_enterprise_id"),
        ):
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN {ids}", {"codes": oldest})  # noqa: S608
        cursor.execute("DELETE FROM registry_enterprise WHERE uscc = ANY(%s)", [oldest])

    seeding.enterprises_seed_synthetic(count=60)

    indexes = sorted(seed_index(c) for c in Enterprise.objects.values_list("uscc", flat=True))
    assert indexes == list(range(50, 160))  # no organisation code handed out twice


def test_synthetic_seeding_beside_the_demo_set_collides_with_nothing():
    seeding.demo_seed()
    seeding.enterprises_seed_synthetic(count=300)
    assert Enterprise.objects.count() == len(DEMO_ENTERPRISES) + 300


def test_registry_admin_seeds_as_themselves(registry_admin):
    seeding.enterprises_seed_synthetic(count=10, actor=registry_admin)
    assert AuditEntry.objects.get(action="enterprise.seed_synthetic").actor == registry_admin


def test_clerk_cannot_seed_synthetic_enterprises(clerk):
    with pytest.raises(PermissionDenied):
        seeding.enterprises_seed_synthetic(count=10, actor=clerk)
    assert not Enterprise.objects.exists()
    assert not AuditEntry.objects.filter(action="enterprise.seed_synthetic").exists()


def test_a_negative_count_is_refused():
    with pytest.raises(ValidationError):
        seeding.enterprises_seed_synthetic(count=-1)
    with pytest.raises(ValidationError):
        seeding.enterprises_seed_synthetic_up_to(total=-1)


def test_synthetic_enterprises_up_to_a_total_adds_only_the_missing_ones():
    seeding.demo_seed()
    assert seeding.enterprises_seed_synthetic_up_to(total=120) == 120
    assert seeding.enterprises_seed_synthetic_up_to(total=120) == 0
    assert seeding.enterprises_seed_synthetic_up_to(total=100) == 0
    assert seeding.enterprises_seed_synthetic_up_to(total=150) == 30
    assert seeding.synthetic_enterprises().count() == 150
    assert Enterprise.objects.count() == len(DEMO_ENTERPRISES) + 150  # the demo set is not synthetic


# --- Never under production settings -------------------------------------------------------------


def test_demo_data_is_allowed_outside_production():
    assert seeding.demo_data_refusal() is None


def test_demo_data_is_refused_under_production_settings(production):
    assert seeding.demo_data_refusal() == "Demo data is never created by production settings."
    with pytest.raises(PermissionDenied):
        seeding.demo_seed()
    with pytest.raises(PermissionDenied):
        seeding.enterprises_seed_synthetic(count=10)
    assert not Enterprise.objects.exists() and not Agency.objects.exists()


def test_refusal_follows_the_loaded_settings_module_too(settings):
    settings.SETTINGS_MODULE = "config.settings.production"
    assert seeding.demo_data_refusal() is not None


# --- Commands ------------------------------------------------------------------------------------


def test_load_reference_restores_a_missing_division():
    Division.objects.filter(code="330106").delete()
    out = io.StringIO()

    call_command("load_reference", stdout=out)

    assert "1 created, 0 updated" in out.getvalue()
    assert Division.objects.get(code="330106").name == "西湖区"


def test_a_large_seed_rebuilds_the_name_indexes_exactly_as_they_were(registry_admin, monkeypatch):
    from django.db import connection

    import registry.seeding as seeding

    def gin_indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'registry_enterprise' "
                "AND indexdef ILIKE '%% USING gin %%' ORDER BY indexname"
            )
            return cursor.fetchall()

    before = gin_indexes()
    assert len(before) >= 2  # the name trigrams and the search bigrams
    monkeypatch.setattr(seeding.bulk, "BULK_REBUILD_THRESHOLD", 10)
    seeding.enterprises_seed_synthetic(count=30, actor=registry_admin)
    assert gin_indexes() == before
    from registry.models import Enterprise
    from registry.selectors import enterprise_list

    name = Enterprise.objects.filter(source="seed").first().name
    assert enterprise_list(query=name[2:6]).filter(name=name).exists()  # the rebuilt index answers


def _gin_indexes() -> list[tuple[str, str]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'registry_enterprise' "
            "AND indexdef ILIKE '%% USING gin %%' ORDER BY indexname"
        )
        return cursor.fetchall()


def test_a_large_seed_commits_in_parts_and_builds_the_name_indexes_once_after(registry_admin, monkeypatch):
    before = _gin_indexes()
    monkeypatch.setattr(seeding.bulk, "BULK_REBUILD_THRESHOLD", 10)
    parts = []

    added = seeding.enterprises_seed_synthetic_up_to(
        total=250,
        actor=registry_admin,
        part_rows=100,
        on_part=lambda done, wanted: parts.append((done, wanted)),
    )

    assert added == 250 and parts == [(100, 250), (200, 250), (250, 250)]
    assert seeding.synthetic_enterprises().count() == 250
    counts = [
        e.after["count"] for e in AuditEntry.objects.filter(action="enterprise.seed_synthetic").order_by("id")
    ]
    assert counts == [100, 100, 50]  # one audit entry per committed part
    assert _gin_indexes() == before
    codes = list(seeding.synthetic_enterprises().values_list("uscc", flat=True))
    assert len(set(codes)) == 250


def test_a_large_seed_stopped_midway_keeps_its_parts_and_the_next_run_makes_only_the_rest(
    registry_admin, monkeypatch
):
    before = _gin_indexes()
    monkeypatch.setattr(seeding.bulk, "BULK_REBUILD_THRESHOLD", 10)
    real = seeding.enterprises_seed_synthetic
    calls = {"n": 0}

    def dying(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("killed")
        return real(**kwargs)

    monkeypatch.setattr(seeding.bulk, "enterprises_seed_synthetic", dying)
    with pytest.raises(RuntimeError):
        seeding.enterprises_seed_synthetic_up_to(total=250, actor=registry_admin, part_rows=100)
    assert seeding.synthetic_enterprises().count() == 100  # the first part committed
    assert _gin_indexes() == before  # built again after the failure, so the first part is searchable

    monkeypatch.setattr(seeding.bulk, "enterprises_seed_synthetic", real)
    assert seeding.enterprises_seed_synthetic_up_to(total=250, actor=registry_admin, part_rows=100) == 150
    assert seeding.synthetic_enterprises().count() == 250


def test_name_indexes_a_killed_run_left_dropped_are_built_by_the_next(registry_admin):
    from django.db import connection

    before = _gin_indexes()
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "enterprise_search_pinyin"')  # as a run killed between two parts leaves it
    assert len(_gin_indexes()) == len(before) - 1

    seeding.enterprises_seed_synthetic_up_to(total=0, actor=registry_admin)

    assert _gin_indexes() == before


@pytest.mark.django_db(transaction=True)
def test_one_demo_seed_at_a_time():
    """While one seed holds the demo lock, another connection cannot take it; it is released after."""
    import psycopg

    db = connection.settings_dict
    other = psycopg.connect(
        dbname=db["NAME"],
        host=db["HOST"] or None,
        port=db["PORT"] or None,
        user=db["USER"],
        password=db["PASSWORD"],
    )
    try:

        def free() -> bool:
            taken = other.execute("SELECT pg_try_advisory_lock(%s)", [seeding.guards._DEMO_LOCK]).fetchone()[
                0
            ]
            if taken:
                other.execute("SELECT pg_advisory_unlock(%s)", [seeding.guards._DEMO_LOCK])
            return taken

        with seeding.demo_lock():
            with seeding.demo_lock():  # re-entrant
                assert not free()
            assert not free()
        assert free()
    finally:
        other.close()


# --- Registration details of seeded enterprises -----------------------------------------------------


def test_synthetic_enterprises_get_registration_details_at_realistic_rates_that_obey_the_rules():
    from collections import Counter

    from registry.details.validation import clean_shareholder
    from registry.models import Branch, EnterpriseChange, KeyPerson, Shareholder

    seeding.enterprises_seed_synthetic(count=3000)

    companies = Enterprise.objects.filter(
        entity_type__in=["llc", "joint_stock", "foreign_invested", "state_owned"]
    )
    holders = Counter(
        Shareholder.objects.filter(enterprise__entity_type="llc").values_list("enterprise", flat=True)
    )
    assert (
        set(holders.values()) <= {1, 2, 3, 4, 5}
        and len(holders) == companies.filter(entity_type="llc").count()
    )
    people = Counter(KeyPerson.objects.values_list("enterprise", flat=True))
    assert set(people.values()) <= set(range(3, 8)) and len(people) == companies.count()
    for holder in Shareholder.objects.all()[:500]:
        fields = {
            f: getattr(holder, f) for f in ("name", "kind", "uscc", "subscribed_amount", "paid_in_amount")
        }
        assert clean_shareholder({**fields, "paid_in_on": holder.paid_in_on})[1] == {}
    with_branches = Branch.objects.values("parent").distinct().count()
    assert 0.01 < with_branches / 3000 < 0.06
    assert all(
        b.branch_enterprise.entity_type == "branch"
        for b in Branch.objects.select_related("branch_enterprise")
    )
    changes = Counter(EnterpriseChange.objects.values_list("enterprise", flat=True))
    assert max(changes.values()) <= 3 and len(changes) > 1500


def test_the_demo_enterprises_get_registration_details_once():
    from registry.models import KeyPerson, Shareholder

    seeding.demo_seed()
    counts = (Shareholder.objects.count(), KeyPerson.objects.count())
    assert counts[0] > 200 and counts[1] > 800
    assert seeding.demo_seed()["registration_details"] == 0
    assert (Shareholder.objects.count(), KeyPerson.objects.count()) == counts
