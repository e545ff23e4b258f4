"""Bulk open data: the nightly export of the public dataset, its deltas, its signed manifest, the
verification command and the download page."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from lookup.opendata import datasets as open_datasets
from lookup.opendata.datasets import record_column, record_fields
from lookup.opendata.verify import main as verify_main
from lookup.signing import public_jwks
from registry.models import AuditEntry
from registry.services import enterprise_update
from sanctions.lists.ratings import rating_recompute
from sanctions.models import EnterpriseRating
from sanctions.records import services
from tests.factories import EnterpriseFactory
from tests.sanctions.lists.helpers import publish_listing
from tests.sanctions.payloads import licence_data, penalty_data

pytestmark = [pytest.mark.django_db]

TODAY = timezone.localdate()
FORMULA = '=HYPERLINK("http://evil.example/","点击")'
NATURAL_PERSON = "张三丰"
ID_NUMBER = "330106199001011234"


@pytest.fixture(autouse=True)
def open_data_root(tmp_path, settings):
    settings.OPEN_DATA_ROOT = tmp_path / "open-data"
    settings.OPEN_DATA_CHUNK_ROWS = 2  # several round trips of each cursor, even for a few rows
    return settings.OPEN_DATA_ROOT


def _publish(clerk, reviewer, agency, kind, data):
    record, _ = services.record_create(actor=clerk, agency=agency, kind=kind, data=data)
    services.record_submit(actor=clerk, record=record)
    return services.record_publish(actor=reviewer, record=record)


@pytest.fixture
def seeded(clerk, reviewer, market_agency):
    """An enterprise with public records (one of a natural person, one with a formula in its text), a
    licence, a listing, and records the public must not see: of government scope, draft, submitted,
    revoked, past their publicity."""
    enterprise = EnterpriseFactory(name="杭州西湖建设工程有限公司", legal_representative="刘国强")
    other = EnterpriseFactory(name="宁波港口物流有限公司")
    public = _publish(
        clerk,
        reviewer,
        market_agency,
        "penalty",
        penalty_data(
            market_agency,
            enterprise,
            document_number="PUB-1",
            severity="serious",
            violation_facts=FORMULA,
        ),
    )
    person = _publish(
        clerk,
        reviewer,
        market_agency,
        "penalty",
        penalty_data(
            market_agency,
            enterprise,
            document_number="PERSON-1",
            party_category="natural_person",
            party_name=NATURAL_PERSON,
            legal_representative="赵大宝",
            legal_rep_id_number=ID_NUMBER,
            content=f"对{NATURAL_PERSON}罚款",
        ),
    )
    licence = _publish(
        clerk,
        reviewer,
        market_agency,
        "licence",
        licence_data(market_agency, enterprise, document_number="LIC-1", certificate_number="LIC-1"),
    )
    _publish(
        clerk,
        reviewer,
        market_agency,
        "penalty",
        penalty_data(market_agency, enterprise, document_number="GOV-1", usage_scope="government"),
    )
    old = (TODAY - dt.timedelta(days=365 * 6)).isoformat()
    _publish(
        clerk,
        reviewer,
        market_agency,
        "penalty",
        penalty_data(market_agency, other, document_number="EXPIRED-1", decision_date=old),
    )
    revoked = _publish(
        clerk,
        reviewer,
        market_agency,
        "penalty",
        penalty_data(market_agency, other, document_number="REVOKED-1"),
    )
    services.record_revoke(actor=reviewer, record=revoked, reason="复议撤销")
    services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise, document_number="DRAFT-1"),
    )
    submitted, _ = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=penalty_data(market_agency, enterprise, document_number="SUBMITTED-1"),
    )
    services.record_submit(actor=clerk, record=submitted)
    listing = publish_listing(clerk, reviewer, market_agency, enterprise, kind="dishonest")
    return {
        "enterprise": enterprise,
        "other": other,
        "public": public,
        "person": person,
        "licence": licence,
        "listing": listing,
    }


def _export(date: dt.date = TODAY) -> Path:
    call_command("export_bulk", date=date.isoformat(), stdout=io.StringIO())
    return Path(settings.OPEN_DATA_ROOT) / date.isoformat()


def _jsonl(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def _csv(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _everything(folder: Path) -> str:
    return "".join(gzip.decompress(p.read_bytes()).decode() for p in folder.rglob("*.gz"))


def _jwks_file(tmp_path: Path) -> str:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(public_jwks()))
    return str(path)


def test_exported_records_are_what_the_public_api_shows(api, seeded):
    folder = _export()
    uscc = seeded["enterprise"].uscc
    for kind, dataset in (("penalty", "penalties"), ("licence", "licences")):
        shown = api.get(f"/api/v1/public/enterprises/{uscc}/records/", {"kind": kind}).json()["results"]
        exported = {r["record_key"]: r for r in _jsonl(folder / f"{dataset}.jsonl.gz") if r["uscc"] == uscc}
        assert set(exported) == {r["record_key"] for r in shown}
        for record in shown:
            row = exported[record["record_key"]]
            assert row["version"] == record["version"]
            for field in record_fields(kind):
                value, expected = row[record_column(kind, field)], record[field]
                if field in ("fine_amount", "confiscated_amount") and expected is not None:
                    assert Decimal(value) == Decimal(expected), field
                else:
                    assert value == expected, field
    penalty = next(r for r in _jsonl(folder / "penalties.jsonl.gz") if r["CF_WSH"] == "PUB-1")
    assert penalty["CF_XDR_MC"] == seeded["enterprise"].name
    assert penalty["CF_XDR_SHXYM"] == uscc
    assert penalty["CF_YZCD"] == "serious"
    licence = next(r for r in _jsonl(folder / "licences.jsonl.gz") if r["XK_WSH"] == "LIC-1")
    assert licence["XK_XKBH"] == "LIC-1"


def test_exported_enterprises_listings_and_ratings_are_what_the_public_pages_show(api, seeded):
    enterprise = seeded["enterprise"]
    rating_recompute(enterprise_id=enterprise.pk)  # done on commit, which a test does not reach
    folder = _export()
    shown = api.get(f"/api/v1/public/enterprises/{enterprise.uscc}/").json()
    rows = {r["uscc"]: r for r in _jsonl(folder / "enterprises.jsonl.gz")}
    assert set(rows) == {enterprise.uscc, seeded["other"].uscc}
    row = rows[enterprise.uscc]
    assert (row["name"], row["status"], row["entity_type"], row["division_code"]) == (
        shown["name"],
        shown["status"],
        shown["entity_type"],
        shown["division"]["code"],
    )
    assert row["legal_representative"] == "刘国强"  # a registration fact, in full as on the page
    listings = api.get(f"/api/v1/public/enterprises/{enterprise.uscc}/listings/").json()
    exported = [r for r in _jsonl(folder / "listings.jsonl.gz") if r["uscc"] == enterprise.uscc]
    assert [{k: r[k] for k in listings[0]} for r in exported] == listings
    current = EnterpriseRating.objects.get(enterprise=enterprise, is_current=True)
    rating = next(r for r in _jsonl(folder / "ratings.jsonl.gz") if r["uscc"] == enterprise.uscc)
    assert (rating["grade"], rating["points"]) == (current.grade, current.points)


def test_nothing_the_public_may_not_see_is_in_any_file(seeded):
    folder = _export()
    text = _everything(folder)
    for number in ("GOV-1", "DRAFT-1", "SUBMITTED-1", "REVOKED-1", "EXPIRED-1"):
        assert number not in text, number
    assert "PUB-1" in text and "PERSON-1" in text
    assert NATURAL_PERSON not in text and "赵大宝" not in text
    assert ID_NUMBER not in text
    person = next(r for r in _jsonl(folder / "penalties.jsonl.gz") if r["CF_WSH"] == "PERSON-1")
    assert person["CF_XDR_MC"] == "张*丰"
    assert person["CF_XDR_SHXYM"] == ""
    assert person["CF_NR"] == "对张*丰罚款"
    assert person["CF_FRDB"] == "赵*宝"


def test_csv_has_a_byte_order_mark_and_no_live_formula(seeded):
    folder = _export()
    for path in folder.glob("*.csv.gz"):
        assert gzip.decompress(path.read_bytes()).startswith("\ufeff".encode()), path.name
    row = next(r for r in _csv(folder / "penalties.csv.gz") if r["CF_WSH"] == "PUB-1")
    assert row["CF_SY"] == "'" + FORMULA
    assert row["CF_CFLB"] == "fine"
    as_json = next(r for r in _jsonl(folder / "penalties.jsonl.gz") if r["CF_WSH"] == "PUB-1")
    assert as_json["CF_SY"] == FORMULA  # data, not a spreadsheet: unchanged
    assert as_json["CF_CFLB"] == ["fine"]


def test_manifest_names_every_file_and_its_signature_verifies(seeded, tmp_path, capsys):
    folder = _export()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["date"] == TODAY.isoformat()
    assert manifest["as_of"] and manifest["generated_at"]
    names = {f["path"] for f in manifest["files"]}
    for dataset in ("enterprises", "penalties", "licences", "rewards", "listings", "ratings"):
        assert {f"{dataset}.csv.gz", f"{dataset}.jsonl.gz"} <= names
    penalties = next(f for f in manifest["files"] if f["path"] == "penalties.jsonl.gz")
    assert penalties["rows"] == len(_jsonl(folder / "penalties.jsonl.gz")) == 2
    assert penalties["bytes"] == (folder / "penalties.jsonl.gz").stat().st_size
    signature = json.loads((folder / "manifest.json.sig").read_text())
    assert signature["kid"] == next(k["kid"] for k in public_jwks()["keys"] if k["current"])

    assert verify_main([str(folder), "--jwks", _jwks_file(tmp_path)]) == 0
    assert "OK" in capsys.readouterr().out


def test_verify_command_detects_a_changed_file_a_changed_manifest_and_a_foreign_key(seeded, tmp_path, capsys):
    folder = _export()
    jwks = _jwks_file(tmp_path)
    path = folder / "listings.csv.gz"
    original = path.read_bytes()
    path.write_bytes(
        gzip.compress(gzip.decompress(original).replace("拒不履行".encode(), "按时履行".encode()))
    )
    assert verify_main([str(folder), "--jwks", jwks]) == 1
    assert "listings.csv.gz" in capsys.readouterr().err
    path.write_bytes(original)

    manifest = folder / "manifest.json"
    honest = manifest.read_bytes()
    manifest.write_bytes(honest.replace(b'"rows": 1,', b'"rows": 2,', 1))
    assert verify_main([str(folder), "--jwks", jwks]) == 1
    assert "signature" in capsys.readouterr().err
    manifest.write_bytes(honest)

    foreign = tmp_path / "foreign.json"
    foreign.write_text(
        json.dumps(
            {
                "keys": [
                    {**k, "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"} for k in public_jwks()["keys"]
                ]
            }
        )
    )
    assert verify_main([str(folder), "--jwks", str(foreign)]) == 1
    assert verify_main([str(folder), "--jwks", jwks]) == 0


def test_delta_shows_an_added_record_a_revoked_records_removal_and_a_changed_enterprise(
    seeded, clerk, reviewer, market_agency, registry_admin
):
    first = _export(TODAY - dt.timedelta(days=1))
    assert not (first / "delta").exists()  # nothing to compare the first export with
    added = _publish(
        clerk,
        reviewer,
        market_agency,
        "penalty",
        penalty_data(market_agency, seeded["other"], document_number="NEW-1"),
    )
    services.record_revoke(actor=reviewer, record=seeded["public"], reason="行政复议决定撤销")
    enterprise_update(
        actor=registry_admin, enterprise=seeded["enterprise"], data={"name": "杭州西湖建设集团有限公司"}
    )
    second = _export(TODAY)
    manifest = json.loads((second / "manifest.json").read_text())
    assert manifest["previous"] == first.name

    penalties = _jsonl(second / "delta" / "penalties.jsonl.gz")
    assert {
        "op": "removed",
        "record_key": str(seeded["public"].record_key),
        "uscc": seeded["enterprise"].uscc,
    } in (penalties)
    new = [r for r in penalties if r["op"] == "added"]
    assert [r["CF_WSH"] for r in new] == ["NEW-1"]
    assert new[0]["record_key"] == str(added.record_key)
    assert len(penalties) == 2  # the unchanged record is not repeated
    removed_csv = next(r for r in _csv(second / "delta" / "penalties.csv.gz") if r["op"] == "removed")
    assert removed_csv["record_key"] == str(seeded["public"].record_key)
    assert removed_csv["CF_WSH"] == ""  # identifiers only

    enterprises = _jsonl(second / "delta" / "enterprises.jsonl.gz")
    changed = [r for r in enterprises if r["op"] == "changed"]
    assert [r["name"] for r in changed] == ["杭州西湖建设集团有限公司"]
    assert changed[0]["former_names"][0]["name"] == "杭州西湖建设工程有限公司"
    assert manifest["datasets"]["penalties"]["delta"] == {"added": 1, "changed": 0, "removed": 1}


def test_a_listing_that_ends_is_removed_in_the_delta(seeded):
    _export(TODAY)
    listing = seeded["listing"]
    later = TODAY + dt.timedelta(days=1)
    listing.end_date = later  # its term ends: no job has to run for it to leave public view
    listing.save(update_fields=["end_date"])
    delta = _jsonl(_export(later) / "delta" / "listings.jsonl.gz")
    assert delta == [{"op": "removed", "listing_id": listing.pk, "uscc": seeded["enterprise"].uscc}]


def test_a_failed_export_leaves_the_previous_one_in_place(seeded, monkeypatch, open_data_root):
    folder = _export()
    manifest = (folder / "manifest.json").read_bytes()
    files = sorted(p.name for p in folder.rglob("*"))

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(open_datasets, "public_listing_fields", broken)  # after enterprises and records
    with pytest.raises(
        CommandError, match="the previous export is unchanged: RuntimeError: the disk is full"
    ):
        _export()
    assert (folder / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in folder.rglob("*")) == files
    assert [p.name for p in Path(open_data_root).iterdir() if p.is_dir()] == [folder.name]


def test_a_rerun_for_the_same_day_replaces_it_with_the_same_files(seeded, open_data_root):
    first = json.loads((_export() / "manifest.json").read_text())
    second = json.loads((_export() / "manifest.json").read_text())
    assert [(f["path"], f["sha256"]) for f in first["files"]] == [
        (f["path"], f["sha256"]) for f in second["files"]
    ]
    assert [p.name for p in Path(open_data_root).iterdir() if p.is_dir()] == [TODAY.isoformat()]
    assert AuditEntry.objects.filter(action="open_data.export").count() == 2


def test_exports_older_than_the_retention_are_pruned(seeded, settings):
    settings.OPEN_DATA_KEEP_DAYS = 3
    for days in (5, 2, 0):
        _export(TODAY - dt.timedelta(days=days))
    kept = sorted(p.name for p in Path(settings.OPEN_DATA_ROOT).iterdir() if p.is_dir())
    assert kept == [(TODAY - dt.timedelta(days=2)).isoformat(), TODAY.isoformat()]


def test_the_nightly_task_is_scheduled_and_writes_the_export(seeded):
    from lookup.tasks import open_data_export

    entry = settings.CELERY_BEAT_SCHEDULE["open-data-export-nightly"]
    assert entry["task"] == open_data_export.name
    result = open_data_export.delay().get()
    assert result["rows"]["penalties"] == 2
    assert (Path(result["folder"]) / "manifest.json.sig").is_file()


def test_a_bad_date_is_refused():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("export_bulk", date="05/12/2026")


@pytest.mark.parametrize(
    ("language", "html_lang", "penalties"),
    [("zh-hans", "zh-CN", "行政处罚"), ("en", "en", "Administrative penalties")],
)
def test_download_page_lists_the_files_in_chinese_and_english(seeded, language, html_lang, penalties):
    _export(TODAY - dt.timedelta(days=1))
    _export()
    client = Client(HTTP_COOKIE=f"django_language={language}")
    page = client.get("/open-data/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<html lang="{html_lang}">' in html
    assert penalties in html  # the datasets are named in the visitor's language
    manifest = json.loads((Path(settings.OPEN_DATA_ROOT) / TODAY.isoformat() / "manifest.json").read_text())
    for entry in manifest["files"]:
        if entry["kind"] != "hashes":
            assert f"/open-data/{TODAY.isoformat()}/{entry['path']}" in html
    csv_file = next(f for f in manifest["files"] if f["path"] == "penalties.csv.gz")
    assert csv_file["sha256"] in html
    assert "/.well-known/credit-registry-keys.json" in html and "verify.py" in html
    assert 'href="/open-data/"' in client.get("/").content.decode()  # the footer links it


def test_download_page_before_any_export(client):
    page = client.get("/open-data/", HTTP_COOKIE="django_language=en")
    assert page.status_code == 200
    assert "<h1>Open data</h1>" in page.content.decode()
    assert "No export has been published yet" in page.content.decode()


def test_files_are_served_with_their_content_types(seeded):
    folder = _export()
    client = Client()
    response = client.get(f"/open-data/{folder.name}/penalties.jsonl.gz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in response
    assert b"".join(response.streaming_content) == (folder / "penalties.jsonl.gz").read_bytes()
    manifest = client.get(f"/open-data/{folder.name}/manifest.json")
    assert manifest["Content-Type"] == "application/json"
    assert b"".join(manifest.streaming_content) == (folder / "manifest.json").read_bytes()
    latest = client.get("/open-data/latest/delta/penalties.csv.gz")
    assert latest.status_code == 404  # the first export has no delta
    latest = client.get("/open-data/latest/enterprises.csv.gz")
    assert latest.status_code == 302 and latest["Location"] == f"/open-data/{folder.name}/enterprises.csv.gz"
    script = client.get("/open-data/verify.py")
    assert b"def verify_export" in b"".join(script.streaming_content)
    for name in ("../../settings.py", "hashes/../manifest.json", "nothing.csv.gz", ".lock"):
        assert client.get(f"/open-data/{folder.name}/{name}").status_code == 404, name
    assert client.get("/open-data/1999-01-01/manifest.json").status_code == 404


def test_the_export_reads_each_dataset_in_a_fixed_number_of_queries(seeded, clerk, reviewer, market_agency):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _export(TODAY - dt.timedelta(days=2))  # the system account and the first audit entry made
    with CaptureQueriesContext(connection) as few:
        _export(TODAY - dt.timedelta(days=1))
    for n in range(6):
        _publish(
            clerk,
            reviewer,
            market_agency,
            "penalty",
            penalty_data(market_agency, seeded["other"], document_number=f"MORE-{n}"),
        )
    with CaptureQueriesContext(connection) as more:
        folder = _export()
    assert len(_jsonl(folder / "penalties.jsonl.gz")) == 8
    assert len(more) == len(few)  # no query per row (a deferred column read one by one would add them)


def test_applying_the_delta_to_the_previous_files_gives_the_new_ones(
    seeded, clerk, reviewer, market_agency, registry_admin
):
    first = _export(TODAY - dt.timedelta(days=1))
    _publish(
        clerk,
        reviewer,
        market_agency,
        "licence",
        licence_data(market_agency, seeded["other"], document_number="L-2"),
    )
    services.record_revoke(actor=reviewer, record=seeded["person"], reason="撤销")
    enterprise_update(
        actor=registry_admin, enterprise=seeded["other"], data={"domicile": "浙江省宁波市北仑区新碶街道"}
    )
    second = _export(TODAY)
    for dataset, key in (("enterprises", "uscc"), ("penalties", "record_key"), ("licences", "record_key")):
        rows = {r[key]: r for r in _jsonl(first / f"{dataset}.jsonl.gz")}
        for change in _jsonl(second / "delta" / f"{dataset}.jsonl.gz"):
            op = change.pop("op")
            if op == "removed":
                del rows[change[key]]
            else:
                assert (change[key] in rows) == (op == "changed")
                rows[change[key]] = change
        assert sorted(rows.values(), key=lambda r: r[key]) == sorted(
            _jsonl(second / f"{dataset}.jsonl.gz"), key=lambda r: r[key]
        ), dataset


def test_the_downloaded_verification_script_runs_on_its_own(seeded, tmp_path):
    import subprocess
    import sys

    folder = _export()
    script = tmp_path / "verify.py"
    script.write_bytes(b"".join(Client().get("/open-data/verify.py").streaming_content))
    jwks = _jwks_file(tmp_path)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no DJANGO_SETTINGS_MODULE, no project path
    command = [sys.executable, str(script)]  # as a file of its own, run outside the project
    ok = subprocess.run(
        [*command, str(folder), "--jwks", jwks], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith("OK: manifest.json of")
    (folder / "ratings.jsonl.gz").write_bytes(gzip.compress(b'{"uscc": "x"}\n'))
    bad = subprocess.run(
        [*command, str(folder), "--jwks", jwks], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert "FAILED ratings.jsonl.gz" in bad.stderr


def test_the_statistics_are_in_the_export_as_the_api_gives_them(api, seeded, client):
    from sanctions.statistics.services import statistics_refresh

    assert "statistics" not in {
        e["dataset"] for e in json.loads((_export() / "manifest.json").read_text())["files"]
    }
    statistics_refresh()
    folder = _export()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {e["path"] for e in manifest["files"] if e["dataset"] == "statistics"} == {
        "statistics.csv.gz",
        "statistics.jsonl.gz",
    }
    answer = api.get("/api/v1/statistics/").json()
    assert manifest["statistics"]["version"] == answer["version"]
    rows = _jsonl(folder / "statistics.jsonl.gz")
    assert manifest["statistics"]["rows"] == len(rows) == len(_csv(folder / "statistics.csv.gz"))
    totals = {row["series"]: row["value"] for row in rows if row["figure"] == "records_total"}
    assert totals == answer["records"]["total"]
    assert totals["penalty"] >= 1
    page = client.get("/open-data/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "statistics.csv.gz" in page and "statistics.jsonl.gz" in page


def test_the_enterprise_file_and_the_changes_file_carry_registration_details_masked(seeded, registry_admin):
    from registry import services as registry_services

    enterprise = seeded["enterprise"]
    registry_services.shareholder_add(
        actor=registry_admin,
        enterprise=enterprise,
        data={
            "name": "张三丰",
            "kind": "natural_person",
            "subscribed_amount": "300",
            "paid_in_amount": "100",
        },
    )
    registry_services.personnel_set(
        actor=registry_admin, enterprise=enterprise, people=[{"name": "李秋水", "role": "supervisor"}]
    )
    folder = _export()

    row = next(r for r in _jsonl(folder / "enterprises.jsonl.gz") if r["uscc"] == enterprise.uscc)
    assert row["shareholders"][0]["name"] == "张*丰" and row["shareholders"][0]["paid_in_amount"] == "100"
    assert row["personnel"] == [{"name": "李秋水", "role": "supervisor"}]
    changes = [c for c in _jsonl(folder / "changes.jsonl.gz") if c["uscc"] == enterprise.uscc]
    assert {c["item"] for c in changes} == {"shareholder", "personnel"}
    assert "张三丰" not in _everything(folder)
