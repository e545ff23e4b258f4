"""Reads on a real PostgreSQL streaming replica (registry/db_router.py, registry/replica_middleware.py).

The portal (gunicorn) runs on a primary and a hot standby made by ``pg_basebackup -R`` from it
(tests/replicas/conftest.py). Which server ran the portal's queries is read from the servers' own
statement logs. The tests run in order: the last ones kill the standby, then the primary.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg
import pytest

from tests.faults.servers import ROOT
from tests.replicas.servers import StatementLog

pytestmark = [pytest.mark.filterwarnings("ignore::ResourceWarning")]

ENGLISH = {"django_language": "en"}


@dataclass
class Answer:
    status_code: int
    headers: dict[str, str]
    text: str
    cookies: dict[str, str]  # the cookies it set

    def json(self):
        return json.loads(self.text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer of its own here


_opener = urllib.request.build_opener(_NoRedirect)


def fetch(portal, path: str, *, cookies=None, data=None, json_body=None, headers=None) -> Answer:
    """One request to the portal (a POST with ``data`` or ``json_body``), redirects not followed."""
    headers = dict(headers or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body = None
    if data is not None:
        body, headers["Content-Type"] = (
            urllib.parse.urlencode(data).encode(),
            "application/x-www-form-urlencoded",
        )
    if json_body is not None:
        body, headers["Content-Type"] = json.dumps(json_body).encode(), "application/json"
    url = portal.base + urllib.parse.quote(path, safe="/?=&:%")
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 - our portal, http
    try:
        response = _opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    with response:
        set_cookies = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            set_cookies.load(header)
        return Answer(
            response.status,
            dict(response.headers),
            response.read().decode(errors="replace"),
            {name: morsel.value for name, morsel in set_cookies.items()},
        )


def get(portal, path: str, cookies: dict[str, str] | None = None) -> Answer:
    return fetch(portal, path, cookies=cookies)


class Visitor:
    """A browser: keeps the cookies the portal sets."""

    def __init__(self, portal, **cookies: str) -> None:
        self.portal, self.cookies = portal, dict(cookies)

    def get(self, path: str) -> Answer:
        return self._keep(fetch(self.portal, path, cookies=self.cookies))

    def post(self, path: str, data: dict[str, str]) -> Answer:
        headers = {"Referer": self.portal.base + "/"}
        return self._keep(fetch(self.portal, path, cookies=self.cookies, data=data, headers=headers))

    def _keep(self, answer: Answer) -> Answer:
        self.cookies |= answer.cookies
        return answer


def csrf_form(visitor: Visitor, path: str) -> str:
    """Open a form page; the CSRF token its form posts back."""
    page = visitor.get(path)
    assert page.status_code == 200, (path, page.status_code)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def app_log(portal) -> str:
    """The portal's whole log: gunicorn's and the application's (it runs with --capture-output)."""
    return portal.log.read_text(errors="replace")


def where(primary, standby, action) -> tuple[list[str], list[str]]:
    """The portal's statements on the primary and on the standby while ``action`` ran."""
    logs = StatementLog(primary), StatementLog(standby)
    marks = [log.mark() for log in logs]
    action()
    time.sleep(0.05)  # the server writes its log line as it runs the statement
    return logs[0].portal_statements(marks[0]), logs[1].portal_statements(marks[1])


# A write's wait for the replicas to replay it (registry.db_router.after_replicas_replay).
REPLAY_WAIT = "pg_last_wal_replay_lsn()"
# A statement on the project's tables (Django quotes their names), not a connection's set-up or health
# check, nor the replay wait.
_TABLE = re.compile(r'"(registry|sanctions|lookup|django|auth|axes|otp)_\w+"')


def data_reads(statements: list[str]) -> list[str]:
    return [s for s in statements if _TABLE.search(s)]


def test_the_standby_streams_from_the_primary_and_refuses_writes(primary, standby, portal):
    with psycopg.connect(primary.url("portal"), application_name="replica-test") as conn:
        streaming = conn.execute("SELECT state FROM pg_stat_replication").fetchall()
    assert streaming == [("streaming",)]
    with psycopg.connect(standby.url("portal"), application_name="replica-test", autocommit=True) as conn:
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("CREATE TABLE refused (id int)")


def test_public_reads_go_to_the_replica_and_the_rest_to_the_primary(primary, standby, portal):
    seeded = portal.seeded
    reads = seeded["enterprises"]["reads"]

    def public_pages():
        for path in [
            f"/enterprises/{reads['uscc']}/",
            f"/?q={reads['name'][2:6]}",
            f"/api/v1/public/enterprises/{reads['uscc']}/records/",
            f"/enterprises/{reads['uscc']}/repair/",
            "/credit-system/lists/",
        ]:
            answer = get(portal, path)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        assert seeded["records"]["reads"]["document"] in get(portal, f"/enterprises/{reads['uscc']}/").text

    on_primary, on_standby = where(primary, standby, public_pages)
    assert on_primary == [], on_primary
    assert data_reads(on_standby), on_standby

    # A badge scan reads on the replica; its count is written on the primary (every scan, here).
    def scan():
        assert get(portal, f"/v/{seeded['badges']['reads']}").status_code == 200

    on_primary, on_standby = where(primary, standby, scan)
    assert data_reads(on_standby), on_standby
    assert [s for s in data_reads(on_primary) if not s.startswith("INSERT INTO lookup_badgescanday")] == []
    assert any(s.startswith("INSERT INTO lookup_badgescanday") for s in on_primary), on_primary

    def desk():
        answer = get(portal, "/desk/", cookies={"sessionid": seeded["session"]})
        assert answer.status_code == 200, answer.status_code

    on_primary, on_standby = where(primary, standby, desk)
    assert data_reads(on_standby) == [] and data_reads(on_primary), (on_primary, on_standby)


def test_after_a_write_the_visitors_reads_go_to_the_primary_for_a_few_seconds(primary, standby, portal):
    seeded = portal.seeded
    target = seeded["enterprises"]["objection"]
    citizen = Visitor(portal)
    token = csrf_form(citizen, f"/records/{seeded['records']['objection']['id']}/object/")
    marked: dict[str, str] = {}

    def file_objection():
        answer = citizen.post(
            f"/records/{seeded['records']['objection']['id']}/object/",
            {
                "csrfmiddlewaretoken": token,
                "objector_name": "张三",
                "contact": "zhang@example.com",
                "reason": "处罚对象有误。",
            },
        )
        assert answer.status_code == 303, (answer.status_code, answer.text[:500])
        marked["cookie"] = answer.cookies.get("recent_write")

    on_primary, on_standby = where(primary, standby, file_objection)
    assert any(statement.startswith("INSERT") for statement in on_primary)
    # The standby only waited to have replayed it (registry.db_router.after_replicas_replay).
    assert data_reads(on_standby) == [] and any(REPLAY_WAIT in s for s in on_standby), on_standby
    assert marked.get("cookie"), "a write leaves the read-your-writes cookie"

    # With only that cookie (no session): the visitor's next read is on the primary, and shows it.
    def credit_page():
        answer = get(portal, f"/enterprises/{target['uscc']}/", cookies={"recent_write": marked["cookie"]})
        assert answer.status_code == 200 and 'class="badge objection"' in answer.text

    on_primary, on_standby = where(primary, standby, credit_page)
    assert data_reads(on_standby) == [] and data_reads(on_primary), (on_primary, on_standby)

    # A cookie we did not sign routes nothing; ours, once REPLICA_READ_YOUR_WRITES_SECONDS (2 s here)
    # have passed, neither: the reads are the replica's again.
    def search(cookie: str):
        def run():
            assert (
                get(portal, f"/?q={target['name'][2:6]}", cookies={"recent_write": cookie}).status_code == 200
            )

        return run

    on_primary, on_standby = where(primary, standby, search("1"))
    assert on_primary == [] and data_reads(on_standby), (on_primary, on_standby)
    time.sleep(2.1)
    on_primary, on_standby = where(primary, standby, search(marked["cookie"]))
    assert on_primary == [] and data_reads(on_standby), (on_primary, on_standby)


def record_result(name: str, figures: dict) -> None:
    """With REPLICA_RESULTS_FILE set, keep the figures measured there (bench/results/replicas.json)."""
    path = Path(os.environ["REPLICA_RESULTS_FILE"]) if os.environ.get("REPLICA_RESULTS_FILE") else None
    if path is None:
        return
    results = json.loads(path.read_text()) if path.exists() else {}
    results["about"] = (
        "tests/replicas/test_streaming_replica.py: seconds from the publish's COMMIT being sent until the "
        "hot standby (pg_basebackup -R, same machine) shows the record, and until the portal's credit "
        "page (cached before, read from the standby) shows it; how long the publish waited for the "
        "standby to replay it (registry.db_router.after_replicas_replay); /readyz's measured lag"
    )
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    results[name] = {**figures, "load_average": [round(value, 2) for value in os.getloadavg()]}
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


def publish_and_watch(portal, standby, replica_env, key: str) -> dict[str, float]:
    """Publish the seeded record ``key`` on the primary (record_publish, in a process of its own)
    while watching the standby's row and the credit page (cached before) for it; the delays."""
    seeded = portal.seeded
    uscc, record = seeded["enterprises"][key]["uscc"], seeded["records"][key]
    page = f"/enterprises/{uscc}/"
    first = get(portal, page)
    assert first.status_code == 200 and record["document"] not in first.text  # and now it is cached

    seen: dict[str, float] = {}
    stop = threading.Event()

    def watch_standby():
        with psycopg.connect(standby.url("portal"), application_name="replica-test", autocommit=True) as conn:
            query = f"SELECT status FROM {seeded['record_table']} WHERE id = %s"  # noqa: S608 - our table
            while not stop.is_set():
                if conn.execute(query, [record["id"]]).fetchone() == ("published",):
                    seen["standby"] = time.time()
                    return
                time.sleep(0.0005)

    def watch_page():
        while not stop.is_set():
            if record["document"] in get(portal, page).text:
                seen["page"] = time.time()
                return
            time.sleep(0.01)

    watchers = [threading.Thread(target=watch_standby), threading.Thread(target=watch_page)]
    for watcher in watchers:
        watcher.start()
    try:
        published = subprocess.run(
            [sys.executable, "-m", "tests.replicas.seed", "publish", str(record["id"])],
            cwd=ROOT,
            env=replica_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert published.returncode == 0, published.stderr[-3000:]
        times = json.loads(published.stdout.strip().splitlines()[-1])
        for watcher in watchers:
            watcher.join(timeout=10)
    finally:
        stop.set()
    assert "standby" in seen and "page" in seen, seen
    # From the moment COMMIT was sent: the commit itself, its streaming and its replay.
    return {
        "replica_shows_it_seconds": round(seen["standby"] - times["commit_sent_at"], 4),
        "credit_page_shows_it_seconds": round(seen["page"] - times["commit_sent_at"], 4),
        "commit_seconds": round(times["committed_at"] - times["commit_sent_at"], 4),
        "publish_waited_for_replicas_seconds": round(times["returned_at"] - times["committed_at"], 4),
    }


def test_a_publish_on_the_primary_shows_on_the_replicas_credit_page(standby, portal, replica_env):
    lag = publish_and_watch(portal, standby, replica_env, "publish")
    print("measured lag:", lag)
    # On one machine the standby replays a commit within milliseconds; a second is far beyond it.
    assert lag["replica_shows_it_seconds"] < 1.0, lag
    assert lag["credit_page_shows_it_seconds"] < 2.0, lag
    record_result("publish_on_the_primary", lag)


@contextmanager
def apply_delay(standby, delay: str):
    """The standby replays each commit ``delay`` late (recovery_min_apply_delay): a lagging replica."""

    def configure(value: str) -> None:
        with (Path(standby.data) / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"recovery_min_apply_delay = '{value}'\n")
        with psycopg.connect(standby.url("portal"), application_name="replica-test", autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
            deadline = time.monotonic() + 10
            while conn.execute("SHOW recovery_min_apply_delay").fetchone()[0] != value:
                assert time.monotonic() < deadline, "the standby did not take the delay"
                time.sleep(0.02)

    configure(delay)
    try:
        yield
    finally:
        configure("0")


def test_a_lagging_replica_leaves_no_stale_page_in_the_cache(primary, standby, portal, replica_env):
    """Replayed 300 ms late, the publish is read from the replica's page only once replayed; the page
    cached meanwhile under the generation bumped at the commit is not kept: the writer bumps it again
    once the replica has replayed the change (registry.db_router.after_replicas_replay)."""
    with apply_delay(standby, "300ms"):
        # /readyz measures the lag: a change on the primary reaches the replica 0.3 s later.
        with psycopg.connect(primary.url("portal"), application_name="replica-test", autocommit=True) as conn:
            conn.execute("CREATE TABLE lag_probe (id int)")
            conn.execute("DROP TABLE lag_probe")
        ready = get(portal, "/readyz").json()
        lag = publish_and_watch(portal, standby, replica_env, "lagging")
    print("lagging replica:", lag, ready["databases"]["replica_1"])
    assert 0.2 <= ready["databases"]["replica_1"]["lag_seconds"] <= 1.0, ready
    assert ready["status"] == "ok"  # 0.3 s is within REPLICA_MAX_LAG_SECONDS
    assert 0.3 <= lag["replica_shows_it_seconds"] < 2.0, lag
    assert lag["replica_shows_it_seconds"] <= lag["credit_page_shows_it_seconds"] < 3.0, lag
    assert lag["publish_waited_for_replicas_seconds"] >= 0.25, lag
    record_result(
        "publish_with_the_replica_300ms_behind",
        {**lag, "readyz_lag_seconds": ready["databases"]["replica_1"]["lag_seconds"]},
    )


def test_readyz_reports_each_database(portal):
    ready = get(portal, "/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ok", body
    assert body["checks"]["database"] == "ok" and body["checks"]["replica_1"] == "ok"
    primary, replica = body["databases"]["default"], body["databases"]["replica_1"]
    assert primary["in_recovery"] is False and primary["wal_lsn"]
    assert replica["in_recovery"] is True and replica["replay_lsn"]
    assert 0 <= replica["lag_seconds"] < 1.0 and replica["lag_bytes"] >= 0


def test_with_the_replica_down_reads_fall_back_to_the_primary(primary, standby, portal):
    seeded = portal.seeded
    target = seeded["enterprises"]["replica_down"]
    standby.kill()

    def public_pages():
        for path in [f"/enterprises/{target['uscc']}/", f"/?q={target['name'][2:6]}"]:
            answer = get(portal, path)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])

    try:
        on_primary, _ = where(primary, standby, public_pages)
        assert data_reads(on_primary), on_primary
        ready = get(portal, "/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["replica_1"].startswith("error")
        assert "Traceback" not in app_log(portal)
        assert app_log(portal).count("database replica_1 unavailable") >= 1
    finally:
        # Back (also when a check above failed: the next test needs the standby).
        standby.start()

    # Once REPLICA_RETRY_SECONDS (1 s here) have passed, the reads are the replica's again.
    deadline = time.monotonic() + 20
    while get(portal, "/readyz").json()["status"] != "ok":
        assert time.monotonic() < deadline, get(portal, "/readyz").json()
        time.sleep(0.2)
    time.sleep(1.1)
    on_primary, on_standby = where(primary, standby, lambda: get(portal, f"/?q={target['name'][3:6]}"))
    assert on_primary == [] and data_reads(on_standby), (on_primary, on_standby)


def test_with_the_primary_down_public_pages_are_served_and_write_pages_answer_503(primary, standby, portal):
    seeded = portal.seeded
    target = seeded["enterprises"]["primary_down"]
    record = seeded["records"]["primary_down"]
    citizen = Visitor(portal, **ENGLISH)
    token = csrf_form(citizen, f"/records/{record['id']}/object/")
    primary.kill()

    # Public pages, never seen before (nothing cached): from the replica.
    for path, cookies in [
        (f"/enterprises/{target['uscc']}/", {}),
        (f"/?q={target['name'][2:6]}", {}),
        (f"/api/v1/public/enterprises/{target['uscc']}/standing/", {}),
        (f"/enterprises/{seeded['enterprises']['signed_in']['uscc']}/", {"sessionid": seeded["session"]}),
        (f"/v/{seeded['badges']['primary_down']}", {}),  # its count waits for the primary
        ("/lang/en/?next=/", {}),  # the language switch
    ]:
        answer = get(portal, path, cookies=cookies)
        assert answer.status_code == (302 if path.startswith("/lang/") else 200), (path, answer.status_code)
    assert record["document"] in get(portal, f"/enterprises/{target['uscc']}/").text

    # Pages that write, or need the primary: 503, Retry-After, and why.
    answers = [
        citizen.get(f"/records/{record['id']}/object/"),
        citizen.post(
            f"/records/{record['id']}/object/", {"csrfmiddlewaretoken": token, "reason": "处罚对象有误。"}
        ),
        citizen.get("/accounts/login/"),
        citizen.get(f"/enterprises/{target['uscc']}/report.pdf"),  # a report is numbered on the primary
        get(portal, "/desk/", cookies={"sessionid": seeded["session"], **ENGLISH}),
    ]
    for answer in answers:
        assert answer.status_code == 503, (answer.status_code, answer.text[:300])
        assert answer.headers["Retry-After"] == "30"
        assert "Changes are unavailable right now" in answer.text, answer.text[:1000]
        assert "Searching the registry and its credit pages still work" in answer.text
    api = fetch(
        portal,
        "/api/v1/records/",
        json_body={},
        headers={"Authorization": "Bearer crt_nothing", "Accept-Language": "en"},
    )
    assert api.status_code == 503 and api.headers["Retry-After"] == "30"
    assert "read-only for the moment" in api.json()["detail"]

    ready = get(portal, "/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "degraded" and body["checks"]["database"].startswith("error")
    assert body["checks"]["replica_1"] == "ok"
    log = app_log(portal)
    assert "Traceback" not in log and "database default unavailable" in log, log[-3000:]
