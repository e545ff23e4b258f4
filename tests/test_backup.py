"""Backups: a registry restored into a new database, with its signing keys wiped beforehand, still
says "genuine" of every report and badge issued before; the keys never travel in clear."""

from __future__ import annotations

import base64
import gzip
import io
import json
import os
import secrets
import shlex
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from lookup import signing
from lookup.badges import services as badges
from lookup.report.services import credit_report_issue
from registry.backup import pg_tool
from registry.services import system_actor
from sanctions.records import services as records
from sanctions.records.importing.run import import_start
from tests.backup_check import data_summary
from tests.databases import scratch_database, server_params
from tests.factories import EnterpriseFactory
from tests.lookup.badges.support import confirmed_account
from tests.sanctions.payloads import licence_data
from tests.sanctions.records.importing.helpers import PENALTY_HEADERS, penalty_row, write_csv

BASE_DIR = Path(settings.BASE_DIR)
PASSPHRASE = "a passphrase kept apart"
SUBPROCESS_SECONDS = 600  # generous: a loaded CI machine is slow, never wrong


def new_key() -> str:
    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return signing.b64encode(raw)


def public_of(private: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(signing.b64decode(private)).public_key()
    return signing.b64encode(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def use_keys(
    settings, private: dict[str, str], *, current: str, public: dict[str, str] | None = None
) -> None:
    settings.SIGNING_KEYS, settings.SIGNING_CURRENT_KID = private, current
    settings.SIGNING_PUBLIC_KEYS = public or {}
    signing.keyring.cache_clear()


@pytest.fixture(autouse=True)
def _keyring_forgotten():
    signing.keyring.cache_clear()
    yield
    signing.keyring.cache_clear()


@pytest.fixture(autouse=True)
def _no_terminal(monkeypatch):
    """The commands ask for a passphrase only in a terminal; under ``pytest -s`` stdin may be one."""
    monkeypatch.setattr(sys, "stdin", io.StringIO())


@pytest.fixture(autouse=True)
def _english():
    """Commands run here speak English; those run in a process of their own speak LANGUAGE_CODE."""
    with translation.override("en"):
        yield


def says(msgid: str, **values) -> str:
    """A message as a command in a process of its own prints it (in LANGUAGE_CODE, the portal's)."""
    with translation.override(settings.LANGUAGE_CODE):
        return translation.gettext(msgid) % values


@pytest.fixture
def fresh_database():
    """A new, empty database of our own on the tests' server (dropped afterwards): (name, URL)."""
    with scratch_database("restore_test") as database:
        yield database


def tables_in(name: str) -> int:
    with psycopg.connect(**server_params(name)) as conn:
        return conn.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()[0]


def environment(database_url: str, **extra: str) -> dict[str, str]:
    """A process of the registry on the restored database: no signing keys, no Redis, nothing of ours."""
    dropped = ("SIGNING_", "BACKUP_", "REDIS_URL", "DATABASE_URL", "MEDIA_ROOT", "DJANGO_SETTINGS_MODULE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    return {**env, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "config.settings.test", **extra}


def run(args: list[str], env: dict[str, str], stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_SECONDS,
    )


def backup(tmp_path: Path, **options) -> tuple[Path, str]:
    """Run registry_backup into tmp_path/backups; the backup directory and what the command said."""
    out, err = io.StringIO(), io.StringIO()
    call_command("registry_backup", output=str(tmp_path / "backups"), stdout=out, stderr=err, **options)
    [made] = (tmp_path / "backups").iterdir()
    return made, out.getvalue() + err.getvalue()


def files_under(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def everything_readable_in(made: Path) -> list[bytes]:
    """Every byte of a backup, its archive unpacked and its dump turned back into SQL."""
    blobs = list(files_under(made).values())
    blobs.append(gzip.decompress((made / "media.tar.gz").read_bytes()))
    pg_restore = pg_tool("pg_restore", at_least=connection.pg_version // 10000)
    as_sql = subprocess.run(
        [str(pg_restore), "--file=-", str(made / "database.dump")],
        capture_output=True,
        check=True,
        timeout=SUBPROCESS_SECONDS,
    )
    blobs.append(as_sql.stdout)
    return blobs


def spellings(private: str) -> list[bytes]:
    raw = signing.b64decode(private)
    return [private.encode(), raw, base64.b64encode(raw), raw.hex().encode()]


def assert_no_private_key_in(made: Path, keys: list[str]) -> None:
    blobs = everything_readable_in(made)
    for key in keys:
        for spelling in spellings(key):
            assert not any(spelling in blob for blob in blobs), "a private key is readable in the backup"


@pytest.mark.django_db(transaction=True)
def test_a_restored_registry_says_genuine_of_every_report_and_badge_issued_before(
    settings, tmp_path, monkeypatch, fresh_database, registry_admin, clerk, reviewer, market_agency
):
    settings.MEDIA_ROOT = tmp_path / "media"
    k2024, k2025, k2026 = new_key(), new_key(), new_key()
    enterprise = EnterpriseFactory(name="杭州安居房屋租赁有限公司")
    record, _ = records.record_create(
        actor=clerk, agency=market_agency, kind="licence", data=licence_data(market_agency, enterprise)
    )
    records.record_submit(actor=clerk, record=record)
    records.record_publish(actor=reviewer, record=record)
    owner = confirmed_account(registry_admin=registry_admin, enterprise=enterprise, username="landlord")

    def issue_report():
        return credit_report_issue(
            enterprise=enterprise, verify_url=lambda token: f"http://testserver/r/{token}"
        )

    # Three years of keys: 2024's signed a badge and was retired (its public half kept), 2025's
    # signed a report and a badge, 2026's signs now.
    use_keys(settings, {"k2024": k2024}, current="k2024")
    badge_2024 = badges.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")
    use_keys(settings, {"k2025": k2025}, current="k2025", public={"k2024": public_of(k2024)})
    report_2025 = issue_report()
    badge_2025 = badges.badge_issue(actor=owner, enterprise=enterprise, sector="housing_services")
    use_keys(settings, {"k2025": k2025, "k2026": k2026}, current="k2026", public={"k2024": public_of(k2024)})
    report_2026 = issue_report()
    path = write_csv(
        tmp_path / "penalties.csv",
        [PENALTY_HEADERS, penalty_row(market_agency, enterprise, "杭市监罚〔2026〕9号")],
    )
    import_start(
        actor=system_actor(), agency=market_agency, path=path, original_name=path.name, run_by="test"
    )
    uploaded = files_under(settings.MEDIA_ROOT)
    assert len(uploaded) == 1 and next(iter(uploaded)).startswith("imports/")  # the import's file
    before = data_summary()
    assert len(before["reports"]) == 2 and len(before["badges"]) == 2 and before["imports"]

    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    made, said = backup(tmp_path)
    assert "k2025, k2026" in said and "encrypted" in said
    assert_no_private_key_in(made, [k2024, k2025, k2026])

    # A new machine: an empty database, no MEDIA_ROOT, no signing keys; production settings.
    name, url = fresh_database
    production = environment(
        url,
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="registry.example.org",
        MEDIA_ROOT=str(tmp_path / "restored-media"),
        BACKUP_PASSPHRASE=PASSPHRASE,
    )
    restored = run(["manage.py", "registry_restore", str(made)], production)
    assert restored.returncode == 0, restored.stderr
    assert (
        says(
            "Set these in the environment of every web and worker process (your secret store, or the "
            "x-app environment of docker-compose.yml), then restart them. Until then the reports and badges "
            "issued before read “not genuine”. The lines hold private keys: keep them out of shell history "
            "and logs."
        )
        in restored.stderr
    )
    assigned = dict(shlex.split(line)[0].split("=", 1) for line in restored.stdout.splitlines())
    assert json.loads(assigned["SIGNING_KEYS"]) == {"k2025": k2025, "k2026": k2026}
    assert assigned["SIGNING_CURRENT_KID"] == "k2026"
    assert json.loads(assigned["SIGNING_PUBLIC_KEYS"]) == {"k2024": public_of(k2024)}
    assert files_under(tmp_path / "restored-media") == uploaded

    # The restored registry, with the keys set as the restore said, in a process of its own.
    issued = {
        "reports": [
            {"token": r.token, "pdf": base64.b64encode(r.pdf).decode()} for r in (report_2025, report_2026)
        ],
        "badges": [{"token": b.token} for b in (badge_2024, badge_2025)],
    }
    checked = run(
        ["-m", "tests.backup_check"],
        environment(url, ALLOWED_HOSTS="testserver", **assigned),
        stdin=json.dumps(issued),
    )
    assert checked.returncode == 0, checked.stderr
    answer = json.loads(checked.stdout)
    assert answer["reports"] == [
        {
            "genuine": True,
            "key_id": kid,
            "number": report.report.number,
            "pdf_matches": True,
            "page": 200,
            "page_says_genuine": True,
        }
        for kid, report in (("k2025", report_2025), ("k2026", report_2026))
    ]
    assert answer["badges"] == [
        {"result": "valid", "key_id": "k2024"},
        {"result": "valid", "key_id": "k2025"},
    ]
    assert answer["data"] == before
    assert answer["audit_chain_ok"] is True
    assert answer["kids"] == ["k2024", "k2025", "k2026"]
    # What the keys are for: the same tokens against any other key set are not genuine.
    assert [r["genuine"] for r in answer["without_the_keys"]["reports"]] == [False, False]
    assert [r["page"] for r in answer["without_the_keys"]["reports"]] == [404, 404]
    assert [b["result"] for b in answer["without_the_keys"]["badges"]] == ["not_genuine", "not_genuine"]


def test_restore_refuses_without_the_passphrase_and_changes_nothing_then_writes_the_key_file(
    db, settings, tmp_path, monkeypatch, fresh_database
):
    """The development set-up: the key in its file, restored to the key file of the new machine."""
    key = new_key()
    settings.SIGNING_KEYS, settings.SIGNING_KEYS_FILE = {}, tmp_path / "signing-keys.json"
    settings.SIGNING_KEYS_FILE.write_text(json.dumps({"dev1": key}))
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "remedies").mkdir(parents=True)
    (tmp_path / "media" / "remedies" / "licence.pdf").write_bytes(b"%PDF-1.7 evidence")
    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    made, _ = backup(tmp_path)

    name, url = fresh_database
    new_machine = environment(
        url,
        MEDIA_ROOT=str(tmp_path / "restored-media"),
        SIGNING_KEYS_FILE=str(tmp_path / "restored-keys.json"),
    )
    refused = run(["manage.py", "registry_restore", str(made)], new_machine)
    assert refused.returncode == 1
    assert (
        says(
            "The signing keys in this backup are encrypted: set %(env)s (or run the command in a terminal "
            "to be asked for it). Nothing was restored.",
            env="BACKUP_PASSPHRASE",
        )
        in refused.stderr
    )
    assert tables_in(name) == 0
    assert not (tmp_path / "restored-media").exists() and not (tmp_path / "restored-keys.json").exists()

    monkeypatch.setenv("BACKUP_PASSPHRASE", "not the passphrase at all")
    with pytest.raises(CommandError, match="Wrong passphrase for the signing keys"):
        call_command("registry_restore", str(made))

    restored = run(
        ["manage.py", "registry_restore", str(made)], {**new_machine, "BACKUP_PASSPHRASE": PASSPHRASE}
    )
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout == ""  # nothing to set in the environment: the file holds it all
    written = tmp_path / "restored-keys.json"
    assert json.loads(written.read_text()) == {"dev1": key}
    assert written.stat().st_mode & 0o777 == 0o600
    assert files_under(tmp_path / "restored-media") == {"remedies/licence.pdf": b"%PDF-1.7 evidence"}
    assert tables_in(name) > 50

    again = run(
        ["manage.py", "registry_restore", str(made)], {**new_machine, "BACKUP_PASSPHRASE": PASSPHRASE}
    )
    assert again.returncode == 1
    refusal = (
        "The database %(name)s is not empty (%(count)d tables). Restore into a new, empty database, or pass "
        "--replace to overwrite it. Nothing was restored."
    )
    assert says(refusal, name=name, count=tables_in(name)) in again.stderr


def test_a_backup_holds_the_private_keys_in_clear_only_when_told_to(db, settings, tmp_path, monkeypatch):
    key = new_key()
    use_keys(settings, {"k1": key}, current="k1")
    monkeypatch.delenv("BACKUP_PASSPHRASE", raising=False)
    with pytest.raises(
        CommandError, match="A passphrase is needed to encrypt the signing keys: set BACKUP_PASSPHRASE"
    ):
        call_command("registry_backup", output=str(tmp_path / "backups"))
    monkeypatch.setenv("BACKUP_PASSPHRASE", "short")
    with pytest.raises(CommandError, match="at least 12 characters"):
        call_command("registry_backup", output=str(tmp_path / "backups"))
    assert not (tmp_path / "backups").exists()  # refused before anything was written

    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    encrypted, _ = backup(tmp_path)
    assert_no_private_key_in(encrypted, [key])
    assert json.loads((encrypted / "public-keys.json").read_text())["keys"] == {"k1": public_of(key)}
    assert encrypted.stat().st_mode & 0o777 == 0o700

    monkeypatch.delenv("BACKUP_PASSPHRASE")
    err = io.StringIO()
    call_command(
        "registry_backup",
        output=str(tmp_path / "clear"),
        plaintext_keys=True,
        stderr=err,
        stdout=io.StringIO(),
    )
    assert "WARNING: the private signing keys will be written UNENCRYPTED" in err.getvalue()
    [clear] = (tmp_path / "clear").iterdir()
    manifest = json.loads((clear / "manifest.json").read_text())
    assert manifest["keys"]["encrypted"] is False
    assert json.loads((clear / "signing-keys.json").read_text())["private"] == {"k1": key}
