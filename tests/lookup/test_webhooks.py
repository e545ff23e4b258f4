"""Webhooks: partners and agencies subscribe URLs to the change feed; the registry POSTs each matching
public change, signed, retries with backoff, keeps a dead letter, redelivers by hand, and never
sends anything to an address that is not on the public internet.

Deliveries here are real HTTP requests to a receiver started on 127.0.0.1 in a thread, with the
public-address check switched off only in those tests (``deliver_locally``).
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from rest_framework.test import APIClient

from lookup.developer_keys import developer_key_issue
from lookup.models import WebhookDelivery, WebhookSubscription
from lookup.webhooks import addresses, sealing, services, signatures, tasks
from registry.changes import change_emit
from registry.models import ChangeEvent
from registry.tokens import token_issue
from tests.conftest import IN_CI, worker_environment
from tests.factories import EnterpriseFactory, enterprise_code
from tests.sanctions.lists.helpers import publish_listing, publish_record

ROOT = Path(__file__).resolve().parents[2]
WEBHOOKS = "/api/v1/webhooks/"

# What the fake resolver answers (``public_dns``): names of public and of hostile hosts.
DNS = {
    "hooks.partner.example": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"],
    "internal.partner.example": ["10.1.2.3"],
    "rebind.partner.example": ["93.184.216.34", "127.0.0.1"],
    "metadata.partner.example": ["169.254.169.254"],
    "v6.partner.example": ["fd00::5"],
}


@pytest.fixture(autouse=True)
def public_dns(monkeypatch):
    """Names resolve from the table above, never through the machine's resolver (determinism)."""

    def resolve(host: str, port: int) -> list[str]:
        if host in DNS:
            return DNS[host]
        try:
            socket.inet_pton(socket.AF_INET, host)
            return [host]
        except OSError:
            pass
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(addresses, "_getaddrinfo", resolve)


# --- Personas -------------------------------------------------------------------------------------


@pytest.fixture
def partner(registry_admin):
    """A partner with a developer key, and an API client that sends it."""
    row, key = developer_key_issue(
        actor=registry_admin, name="信用长三角", contact_email="dev@partner.example"
    )
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_X_API_KEY=key)
    client.key = row
    return client


@pytest.fixture
def other_partner(registry_admin):
    row, key = developer_key_issue(actor=registry_admin, name="另一家", contact_email="dev@other.example")
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", HTTP_X_API_KEY=key)
    client.key = row
    return client


def subscribe(client, url: str, **filters) -> dict:
    response = client.post(WEBHOOKS, {"url": url, **filters}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- A receiver on 127.0.0.1 ----------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """An HTTP server in a thread that records each POST and answers per path as told."""

    port: int = 0
    requests: list[Received] = field(default_factory=list)
    statuses: dict[str, list[int]] = field(default_factory=dict)  # path -> statuses to give in turn
    delays: dict[str, float] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def to(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]

    def wait_for(self, path: str, count: int = 1, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.to(path)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.to(path)


@pytest.fixture
def receiver():
    state = Receiver()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                queue = state.statuses.get(self.path)
                status = queue.pop(0) if queue and len(queue) > 1 else (queue[0] if queue else 200)
            delay = state.delays.get(self.path, 0)
            if delay:
                time.sleep(delay)
            state.requests.append(Received(self.path, dict(self.headers.items()), body, time.monotonic()))
            try:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
            except OSError:
                pass  # the registry gave up waiting

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def deliver_locally(settings):
    """The public-address check off, for this test only: the receiver is on 127.0.0.1."""
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOKS_TIMEOUT_SECONDS = 2
    settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS = 1
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    return settings


def emit(kind: str, enterprise, *, agency=None, subject: str = "s-1", payload: dict | None = None) -> None:
    """A change as a service writes it: the event commits in its own transaction."""
    with transaction.atomic():
        change_emit(
            kind=kind,
            enterprise_uscc=enterprise.uscc,
            subject=subject,
            payload=payload or {"uscc": enterprise.uscc, "name": enterprise.name},
            agency_code=agency.uscc if agency else None,
        )


# --- Registration: the address check ---------------------------------------------------------------

REFUSED = [
    ("http://127.0.0.1/hook", "127.0.0.1 is a loopback address"),
    ("http://localhost.partner.example/hook", "could not be found"),
    ("http://[::1]/hook", "::1 is a loopback address"),
    ("http://0.0.0.0/hook", "0.0.0.0 is an unspecified address"),
    ("http://10.0.0.8/hook", "a private address"),
    ("http://172.16.5.4/hook", "a private address"),
    ("http://172.31.255.255/hook", "a private address"),
    ("http://192.168.1.1/hook", "a private address"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
    ("http://100.100.100.200/latest/meta-data/", "a cloud metadata address"),
    ("http://169.254.10.10/hook", "a link-local address"),
    ("http://[fe80::1]/hook", "a link-local address"),
    ("http://[fd00::1]/hook", "a private address"),
    ("http://100.64.0.1/hook", "carrier-grade NAT"),
    ("http://224.0.0.251/hook", "a multicast address"),
    ("http://[ff02::1]/hook", "a multicast address"),
    ("http://240.0.0.1/hook", "a reserved address"),
    ("http://192.0.2.10/hook", "a reserved address"),
    ("http://[::ffff:127.0.0.1]/hook", "a loopback address (127.0.0.1 inside an IPv6 address)"),
    ("http://[::ffff:169.254.169.254]/hook", "a cloud metadata address (169.254.169.254 inside"),
    ("http://[2002:a00:1::]/hook", "a private address (10.0.0.1 inside an IPv6 address)"),
    ("http://[64:ff9b::7f00:1]/hook", "127.0.0.1 inside an IPv6 address"),
    ("http://2130706433/hook", "127.0.0.1 is a loopback address"),
    ("http://0177.0.0.1/hook", "127.0.0.1 is a loopback address"),
    ("http://0x7f.0.0.1/hook", "127.0.0.1 is a loopback address"),
    ("http://0x7f000001/hook", "127.0.0.1 is a loopback address"),
    ("http://internal.partner.example/hook", "resolves to 10.1.2.3, a private address"),
    ("http://rebind.partner.example/hook", "resolves to 127.0.0.1, a loopback address"),
    ("http://metadata.partner.example/hook", "resolves to 169.254.169.254, a cloud metadata address"),
    ("http://v6.partner.example/hook", "resolves to fd00::5, a private address"),
    ("ftp://hooks.partner.example/hook", "Only http:// and https:// URLs"),
    ("file:///etc/passwd", "Only http:// and https:// URLs"),
    ("gopher://hooks.partner.example:70/", "Only http:// and https:// URLs"),
    ("https://user:pw@hooks.partner.example/hook", "no user name or password"),
    ("https:///hook", "names no host"),
    ("https://hooks.partner.example:99999/", "not a valid URL"),
    ("https://hooks.partner.example/a b", "spaces or control characters"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "message"), REFUSED)
def test_a_url_that_is_not_a_public_http_address_is_refused_with_a_clear_message(partner, url, message):
    response = partner.post(WEBHOOKS, {"url": url}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["url"]
    assert message in errors[0]["message"]
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.partner.example/registry/events",
        "http://hooks.partner.example:8080/hook?token=abc",
        "https://93.184.216.34/hook",
        "https://[2606:2800:220:1:248:1893:25c8:1946]/hook",
    ],
)
def test_a_public_url_is_accepted_and_the_secret_is_shown_once(partner, url):
    body = subscribe(partner, url)
    assert body["url"] == url
    assert body["secret"].startswith("whsec_") and len(body["secret"]) > 40
    assert body["secret"].startswith(body["secret_hint"])
    again = partner.get(f"{WEBHOOKS}{body['id']}/").json()
    assert "secret" not in again and again["secret_hint"] == body["secret_hint"]
    stored = WebhookSubscription.objects.get(pk=body["id"])
    assert body["secret"] not in stored.secret_sealed
    assert sealing.unseal(stored.secret_sealed) == body["secret"]


@pytest.mark.django_db
def test_a_host_whose_name_does_not_resolve_in_time_is_refused_without_holding_the_request(
    partner, settings, monkeypatch
):
    settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS = 0.3
    release = threading.Event()

    def hanging(host, port):
        release.wait(5)
        return ["93.184.216.34"]

    monkeypatch.setattr(addresses, "_getaddrinfo", hanging)
    started = time.monotonic()
    response = partner.post(WEBHOOKS, {"url": "https://slow-dns.partner.example/hook"}, format="json")
    release.set()
    assert time.monotonic() - started < 2
    assert response.status_code == 400
    assert "could not be resolved within 0.3 s" in response.json()["errors"][0]["message"]


@pytest.mark.django_db
def test_a_network_named_in_the_settings_is_accepted_though_private(partner, settings):
    settings.WEBHOOKS_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    assert subscribe(partner, "https://internal.partner.example/hook")["url"].startswith("https://internal")
    response = partner.post(WEBHOOKS, {"url": "http://10.2.0.1/hook"}, format="json")
    assert response.status_code == 400


@pytest.mark.django_db
def test_bad_filters_are_refused_naming_the_field_and_value(partner):
    response = partner.post(
        WEBHOOKS, {"url": "https://hooks.partner.example/hook", "kinds": ["record.deleted"]}, format="json"
    )
    assert response.status_code == 400
    assert [(e["field"], e["message"]) for e in response.json()["errors"]] == [
        ("kinds", '"record.deleted" is not a valid choice.')
    ]
    response = partner.post(
        WEBHOOKS,
        {
            "url": "https://hooks.partner.example/hook",
            "division_prefixes": ["330", "99"],
            "usccs": ["91330106MA27XK1234"],
            "agency_codes": ["11330000000000000X"],
        },
        format="json",
    )
    assert response.status_code == 400
    messages = {}
    for error in response.json()["errors"]:
        messages.setdefault(error["field"], []).append(error["message"])
    assert messages["division_prefixes"] == [
        "“330” is not a division: give 2 digits for a province, 4 for a city, 6 for a county "
        "(GB/T 2260), e.g. 33, 3301 or 330106.",
        "No administrative division starts with 99.",
    ]
    assert messages["usccs"] == ["Not a valid unified social credit code: 91330106MA27XK1234."]
    assert messages["agency_codes"] == ["No agency has the code 11330000000000000X."]
    assert not WebhookSubscription.objects.exists()


# --- Permissions ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_callers_cannot_list_or_create_webhooks(api):
    assert api.get(WEBHOOKS).status_code == 401
    response = api.post(WEBHOOKS, {"url": "https://hooks.partner.example/hook"}, format="json")
    assert response.status_code == 401
    bad_key = APIClient(HTTP_X_API_KEY="dk_00000000_nope")
    assert bad_key.get(WEBHOOKS).status_code == 401


@pytest.mark.django_db
def test_a_partner_sees_and_changes_only_its_own_webhooks_and_deliveries(partner, other_partner):
    mine = subscribe(partner, "https://hooks.partner.example/mine")
    theirs = subscribe(other_partner, "https://hooks.partner.example/theirs")
    listed = partner.get(WEBHOOKS).json()["results"]
    assert [w["id"] for w in listed] == [mine["id"]]
    for method, path in [
        ("get", f"{WEBHOOKS}{theirs['id']}/"),
        ("get", f"{WEBHOOKS}{theirs['id']}/deliveries/"),
        ("patch", f"{WEBHOOKS}{theirs['id']}/"),
        ("delete", f"{WEBHOOKS}{theirs['id']}/"),
        ("post", f"{WEBHOOKS}{theirs['id']}/pause/"),
        ("post", f"{WEBHOOKS}{theirs['id']}/deliveries/{uuid.uuid4()}/redeliver/"),
    ]:
        assert getattr(partner, method)(path, {}, format="json").status_code == 404, (method, path)
    assert WebhookSubscription.objects.get(pk=theirs["id"]).status == "active"


@pytest.mark.django_db
def test_an_agency_token_manages_the_agencys_webhooks_and_a_read_only_token_only_reads(
    agency_admin, market_agency, partner
):
    _token, key = token_issue(actor=agency_admin, agency=market_agency, name="省平台")
    agency = APIClient(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
    created = subscribe(agency, "https://hooks.partner.example/agency")
    assert WebhookSubscription.objects.get(pk=created["id"]).agency == market_agency
    assert partner.get(f"{WEBHOOKS}{created['id']}/").status_code == 404
    _token, read_key = token_issue(actor=agency_admin, agency=market_agency, name="只读", read_only=True)
    reader = APIClient(HTTP_AUTHORIZATION=f"Bearer {read_key}", HTTP_ACCEPT_LANGUAGE="en")
    assert [w["id"] for w in reader.get(WEBHOOKS).json()["results"]] == [created["id"]]
    response = reader.post(WEBHOOKS, {"url": "https://hooks.partner.example/x"}, format="json")
    assert response.status_code == 403


@pytest.mark.django_db
def test_an_agency_token_reaches_only_its_agencys_webhooks_and_deliveries(
    registry_admin, clerk, other_clerk, market_agency, other_agency
):
    """Agency A's system neither sees nor changes agency B's webhooks or their delivery logs (404,
    as if they did not exist), nor redelivers B's deliveries through a webhook of its own."""

    def token_client(agency) -> APIClient:
        _token, key = token_issue(actor=registry_admin, agency=agency, name="省平台")
        return APIClient(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")

    def webhook_with_a_dead_letter(actor, agency, path: str):
        webhook, _secret = services.webhook_create(
            actor=actor, owner=agency, url=f"https://hooks.partner.example{path}"
        )
        dead = WebhookDelivery.objects.create(
            subscription=webhook, event_id=1, event_kind="record.published", body="{}", status="dead"
        )
        return webhook, dead

    mine, my_dead = webhook_with_a_dead_letter(clerk, market_agency, "/a")
    theirs, their_dead = webhook_with_a_dead_letter(other_clerk, other_agency, "/b")
    agency_a, agency_b = token_client(market_agency), token_client(other_agency)

    assert [w["id"] for w in agency_a.get(WEBHOOKS).json()["results"]] == [mine.pk]
    assert [w["id"] for w in agency_b.get(WEBHOOKS).json()["results"]] == [theirs.pk]
    for method, path in [
        ("get", f"{WEBHOOKS}{theirs.pk}/"),
        ("get", f"{WEBHOOKS}{theirs.pk}/deliveries/"),
        ("patch", f"{WEBHOOKS}{theirs.pk}/"),
        ("delete", f"{WEBHOOKS}{theirs.pk}/"),
        ("post", f"{WEBHOOKS}{theirs.pk}/pause/"),
        ("post", f"{WEBHOOKS}{theirs.pk}/resume/"),
        ("post", f"{WEBHOOKS}{theirs.pk}/deliveries/{their_dead.pk}/redeliver/"),
        ("post", f"{WEBHOOKS}{mine.pk}/deliveries/{their_dead.pk}/redeliver/"),
    ]:
        response = getattr(agency_a, method)(path, {"url": "https://hooks.partner.example/x"}, format="json")
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["detail"], (method, path)
    theirs.refresh_from_db()
    assert (theirs.status, theirs.url) == ("active", "https://hooks.partner.example/b")
    assert not their_dead.redeliveries.exists()

    logged = agency_a.get(f"{WEBHOOKS}{mine.pk}/deliveries/").json()["results"]
    assert [d["id"] for d in logged] == [str(my_dead.pk)]
    again = agency_a.post(f"{WEBHOOKS}{mine.pk}/deliveries/{my_dead.pk}/redeliver/")
    assert again.status_code == 202 and again.json()["redelivery_of"] == str(my_dead.pk)


@pytest.mark.django_db
def test_a_partner_changes_filters_pauses_resumes_and_deletes_with_an_audit_trail(partner):
    from registry.models import AuditEntry

    webhook = subscribe(partner, "https://hooks.partner.example/hook")
    path = f"{WEBHOOKS}{webhook['id']}/"
    changed = partner.patch(path, {"kinds": ["record.revoked"], "division_prefixes": ["33"]}, format="json")
    assert changed.status_code == 200
    assert changed.json()["kinds"] == ["record.revoked"] and changed.json()["division_prefixes"] == ["33"]
    refused = partner.patch(path, {"url": "http://127.0.0.1/"}, format="json")
    assert refused.status_code == 400
    assert partner.get(path).json()["url"] == "https://hooks.partner.example/hook"
    assert partner.post(f"{path}pause/").json()["status"] == "paused"
    assert partner.post(f"{path}resume/").json()["status"] == "active"
    assert partner.delete(path).status_code == 204
    assert partner.get(path).status_code == 404
    actions = list(
        AuditEntry.objects.filter(action__startswith="webhook.")
        .order_by("id")
        .values_list("action", "actor_label")
    )
    label = f"developer key {partner.key.prefix}"
    assert actions == [
        ("webhook.create", label),
        ("webhook.update", label),
        ("webhook.pause", label),
        ("webhook.resume", label),
        ("webhook.delete", label),
    ]


# --- Real deliveries ------------------------------------------------------------------------------


@pytest.fixture
def enterprise(transactional_db):
    return EnterpriseFactory(name="杭州西湖建设工程有限公司")


def dispatch() -> int:
    return services.webhooks_dispatch()


@pytest.mark.django_db(transaction=True)
def test_a_delivery_is_signed_and_carries_its_headers_and_the_event(
    partner, receiver, deliver_locally, enterprise
):
    webhook = subscribe(partner, receiver.url("/hook"))
    emit("enterprise.changed", enterprise, payload={"uscc": enterprise.uscc, "name": "杭州西湖建设有限公司"})
    assert dispatch() == 1
    [got] = receiver.wait_for("/hook")
    event = ChangeEvent.objects.get()
    delivery = WebhookDelivery.objects.get()
    assert got.headers["X-Registry-Event"] == "enterprise.changed"
    assert got.headers["X-Registry-Delivery"] == str(delivery.pk)
    assert got.headers["Content-Type"] == "application/json; charset=utf-8"
    assert got.headers["Host"] == f"127.0.0.1:{receiver.port}"
    assert signatures.signature_verify(
        secret=webhook["secret"], body=got.body, header=got.headers["X-Registry-Signature"]
    )
    assert not signatures.signature_verify(
        secret=webhook["secret"], body=got.body + b" ", header=got.headers["X-Registry-Signature"]
    )
    assert not signatures.signature_verify(
        secret="whsec_other", body=got.body, header=got.headers["X-Registry-Signature"]
    )
    assert got.headers["X-Registry-Event-Id"] == str(event.id)
    document = json.loads(got.body)
    assert set(document) == {
        "kind",
        "occurred_at",
        "enterprise",
        "subject",
        "agency",
        "source_platform",
        "payload",
    }
    assert document["kind"] == "enterprise.changed" and document["enterprise"] == enterprise.uscc
    assert document["payload"]["name"] == "杭州西湖建设有限公司"
    feed = APIClient(HTTP_ACCEPT_LANGUAGE=settings.LANGUAGE_CODE).get("/api/v1/changes/").json()["events"]
    assert feed == [document]  # the event as the change feed shows it
    log = partner.get(f"{WEBHOOKS}{webhook['id']}/deliveries/").json()["results"]
    assert [(d["status"], d["attempts"], d["response_status"], d["last_error"]) for d in log] == [
        ("succeeded", 1, 200, "")
    ]
    assert log[0]["delivered_at"] and log[0]["event_id"] == event.id
    assert dispatch() == 0  # the cursor moved on: nothing is delivered twice


def _docs_block(marker: str) -> str:
    text = (ROOT / "docs" / "webhooks.md").read_text()
    match = re.search(rf"<!-- {marker} -->\n```\w+\n(.*?)```", text, re.S)
    assert match, marker
    return match.group(1)


@pytest.mark.django_db(transaction=True)
def test_the_documented_snippets_verify_a_real_delivery(
    partner, receiver, deliver_locally, enterprise, tmp_path
):
    webhook = subscribe(partner, receiver.url("/hook"))
    emit("record.revoked", enterprise)
    dispatch()
    [got] = receiver.wait_for("/hook")
    header = got.headers["X-Registry-Signature"]

    namespace: dict = {}
    exec(compile(_docs_block("verify-python"), "docs/webhooks.md", "exec"), namespace)  # noqa: S102
    verify = namespace["verify"]
    assert verify(webhook["secret"], got.body, header)
    assert not verify(webhook["secret"], got.body.replace(b"record", b"Record"), header)
    assert not verify("whsec_wrong", got.body, header)
    old = re.sub(r"t=\d+", f"t={int(time.time()) - 3600}", header)
    assert not verify(webhook["secret"], got.body, old)

    (tmp_path / "body.json").write_bytes(got.body)
    script = _docs_block("verify-shell")

    def shell(secret: str, signature: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "SECRET": secret, "HEADER": signature},
            capture_output=True,
            text=True,
            timeout=20,
        )

    good = shell(webhook["secret"], header)
    assert good.returncode == 0 and good.stdout.strip() == "verified", good.stderr
    bad = shell("whsec_wrong", header)
    assert bad.returncode == 1 and "NOT verified" in bad.stdout


@pytest.mark.django_db(transaction=True)
def test_each_filter_lets_through_only_what_it_names(
    partner, receiver, deliver_locally, clerk, reviewer, market_agency, other_agency
):
    hangzhou = EnterpriseFactory(uscc=enterprise_code(1, "330106"))
    ningbo = EnterpriseFactory(uscc=enterprise_code(2, "330203"))
    nanjing = EnterpriseFactory(uscc=enterprise_code(3, "320102"))
    subscribe(partner, receiver.url("/kinds"), kinds=["record.published", "listing.entered"])
    subscribe(partner, receiver.url("/agency"), agency_codes=[market_agency.uscc])
    subscribe(partner, receiver.url("/hangzhou"), division_prefixes=["3301"])
    subscribe(partner, receiver.url("/zhejiang"), division_prefixes=["33"])
    subscribe(partner, receiver.url("/one"), usccs=[nanjing.uscc])
    subscribe(partner, receiver.url("/both"), kinds=["record.published"], usccs=[hangzhou.uscc, ningbo.uscc])
    subscribe(partner, receiver.url("/all"))
    publish_record(clerk, reviewer, market_agency, hangzhou)  # a
    emit("record.revoked", ningbo, agency=other_agency)  # b
    publish_listing(clerk, reviewer, market_agency, nanjing)  # c
    emit("enterprise.changed", nanjing)  # d
    labels = {
        ("record.published", hangzhou.uscc): "a",
        ("record.revoked", ningbo.uscc): "b",
        ("listing.entered", nanjing.uscc): "c",
        ("enterprise.changed", nanjing.uscc): "d",
    }
    dispatch()
    receiver.wait_for("/all", 4)

    def seen(path: str) -> list[str]:
        documents = [json.loads(r.body) for r in receiver.to(path)]
        return sorted(labels[(d["kind"], d["enterprise"])] for d in documents)

    assert seen("/all") == ["a", "b", "c", "d"]
    assert seen("/kinds") == ["a", "c"]
    assert seen("/agency") == ["a", "c"]
    assert seen("/hangzhou") == ["a"]
    assert seen("/zhejiang") == ["a", "b"]
    assert seen("/one") == ["c", "d"]
    assert seen("/both") == ["a"]


@pytest.mark.django_db(transaction=True)
def test_an_event_the_feed_cannot_present_is_delivered_as_stored_and_holds_nothing_up(
    partner, receiver, deliver_locally, enterprise
):
    subscribe(partner, receiver.url("/hook"))
    emit("record.published", enterprise, subject="odd", payload={"unexpected": True})
    emit("record.revoked", enterprise, subject="next")
    dispatch()
    got = [json.loads(r.body) for r in receiver.wait_for("/hook", 2)]
    assert [(d["subject"], d["payload"]) for d in got] == [
        ("odd", {"unexpected": True}),
        ("next", {"uscc": enterprise.uscc, "name": enterprise.name}),
    ]


@pytest.mark.django_db(transaction=True)
def test_a_second_dispatcher_returns_at_once_while_one_is_at_work(
    partner, receiver, deliver_locally, enterprise
):
    import psycopg

    subscribe(partner, receiver.url("/hook"))
    emit("record.revoked", enterprise)
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
    ) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s)", [services.DISPATCH_LOCK])
        assert dispatch() == 0
        assert not WebhookDelivery.objects.exists()
    assert dispatch() == 1
    assert len(receiver.wait_for("/hook")) == 1


@pytest.mark.django_db(transaction=True)
def test_a_revoked_developer_keys_webhooks_receive_nothing(
    partner, other_partner, receiver, deliver_locally, enterprise, registry_admin
):
    from lookup.developer_keys import developer_key_revoke

    subscribe(partner, receiver.url("/revoked"))
    subscribe(other_partner, receiver.url("/live"))
    developer_key_revoke(actor=registry_admin, key=partner.key)
    emit("record.revoked", enterprise)
    dispatch()
    receiver.wait_for("/live")
    assert receiver.to("/revoked") == []
    assert partner.get(WEBHOOKS).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_paused_webhook_receives_nothing(partner, receiver, deliver_locally, enterprise):
    webhook = subscribe(partner, receiver.url("/paused"))
    subscribe(partner, receiver.url("/active"))
    partner.post(f"{WEBHOOKS}{webhook['id']}/pause/")
    emit("record.revoked", enterprise)
    dispatch()
    receiver.wait_for("/active")
    assert receiver.to("/paused") == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_is_retried_with_growing_waits_until_it_answers(
    partner, receiver, deliver_locally, enterprise, monkeypatch
):
    deliver_locally.WEBHOOKS_MAX_ATTEMPTS = 5
    deliver_locally.WEBHOOKS_RETRY_BASE_SECONDS = 10
    receiver.statuses["/flaky"] = [500, 503, 200]
    countdowns = []
    send = tasks.webhook_deliver.apply_async

    def spy(args, **options):
        countdowns.append(options.get("countdown"))
        return send(args, **options)

    monkeypatch.setattr(tasks.webhook_deliver, "apply_async", spy)
    webhook = subscribe(partner, receiver.url("/flaky"))
    emit("record.revoked", enterprise)
    dispatch()
    got = receiver.wait_for("/flaky", 3)
    assert len({r.headers["X-Registry-Delivery"] for r in got}) == 1  # one delivery, three attempts
    first, second = countdowns[1], countdowns[2]
    assert countdowns[0] is None
    assert 7.5 <= first <= 10 and 15 <= second <= 20  # doubling, less up to a quarter (jitter)
    [log] = partner.get(f"{WEBHOOKS}{webhook['id']}/deliveries/").json()["results"]
    assert (log["status"], log["attempts"], log["response_status"], log["last_error"]) == (
        "succeeded",
        3,
        200,
        "",
    )


def test_the_backoff_doubles_up_to_its_ceiling(settings):
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 10
    settings.WEBHOOKS_RETRY_MAX_SECONDS = 100
    for attempt, full in [(1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (9, 100)]:
        delays = [services.retry_delay(attempt) for _ in range(50)]
        assert all(0.75 * full <= d <= full for d in delays)
        assert len(set(delays)) > 1  # jitter


@pytest.mark.django_db(transaction=True)
def test_after_the_last_attempt_a_delivery_is_a_dead_letter_and_can_be_redelivered_by_hand(
    partner, receiver, deliver_locally, enterprise
):
    receiver.statuses["/down"] = [500]
    webhook = subscribe(partner, receiver.url("/down"))
    emit("record.revoked", enterprise)
    dispatch()
    assert len(receiver.wait_for("/down", 3)) == 3
    path = f"{WEBHOOKS}{webhook['id']}/deliveries/"
    [dead] = partner.get(path).json()["results"]
    assert (dead["status"], dead["attempts"], dead["response_status"]) == ("dead", 3, 500)
    assert dead["last_error"] == "HTTP 500 Internal Server Error"
    assert dead["next_attempt_at"] is None
    assert [d["id"] for d in partner.get(f"{path}?status=dead").json()["results"]] == [dead["id"]]
    assert partner.get(f"{path}?status=succeeded").json()["results"] == []
    time.sleep(0.2)
    assert len(receiver.to("/down")) == 3  # no more attempts

    receiver.statuses["/down"] = [200]
    response = partner.post(f"{path}{dead['id']}/redeliver/")
    assert response.status_code == 202
    again = response.json()
    assert again["redelivery_of"] == dead["id"] and again["id"] != dead["id"] and again["is_redelivery"]
    got = receiver.wait_for("/down", 4)
    assert got[-1].headers["X-Registry-Delivery"] == again["id"]
    assert got[-1].body == got[0].body
    log = {d["id"]: d for d in partner.get(path).json()["results"]}
    assert log[again["id"]]["status"] == "succeeded" and log[dead["id"]]["status"] == "dead"


@pytest.mark.django_db(transaction=True)
def test_a_webhook_is_paused_after_dead_letters_in_a_row(partner, receiver, deliver_locally, enterprise):
    deliver_locally.WEBHOOKS_MAX_ATTEMPTS = 1
    deliver_locally.WEBHOOKS_PAUSE_AFTER_DEAD_LETTERS = 2
    receiver.statuses["/gone"] = [410]
    webhook = subscribe(partner, receiver.url("/gone"))
    emit("record.revoked", enterprise, subject="1")
    emit("record.expired", enterprise, subject="2")
    dispatch()
    state = partner.get(f"{WEBHOOKS}{webhook['id']}/").json()
    assert state["status"] == "paused"
    assert "2 deliveries in a row became dead letters" in state["paused_reason"]
    emit("record.revoked", enterprise, subject="3")
    dispatch()
    assert len(receiver.to("/gone")) == 2
    refused = partner.post(
        f"{WEBHOOKS}{webhook['id']}/deliveries/{WebhookDelivery.objects.first().pk}/redeliver/"
    )
    assert refused.status_code == 400 and "resume it first" in refused.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_a_slow_receiver_fails_its_own_delivery_without_delaying_another_subscribers(
    partner, other_partner, receiver, deliver_locally, enterprise, monkeypatch
):
    deliver_locally.WEBHOOKS_TIMEOUT_SECONDS = 2
    receiver.delays["/slow"] = 5
    subscribe(partner, receiver.url("/slow"))
    subscribe(other_partner, receiver.url("/fast"))
    queued = []
    monkeypatch.setattr(
        tasks, "queue_deliveries", lambda attempts, **kw: queued.extend(d for d, _ in attempts)
    )
    emit("record.revoked", enterprise)
    dispatch()
    assert len(queued) == 2

    # Two workers (threads) take one delivery each, as the webhook worker's pool does.
    def work(delivery_id):
        try:
            started = time.monotonic()
            delay = services.webhook_deliver(delivery_id=delivery_id, attempt=1)
            return time.monotonic() - started, delay
        finally:
            connection.close()

    started = time.monotonic()
    with ThreadPoolExecutor(2) as pool:
        results = dict(zip(queued, pool.map(work, queued), strict=True))
    fast = WebhookDelivery.objects.get(subscription__url=receiver.url("/fast"))
    slow = WebhookDelivery.objects.get(subscription__url=receiver.url("/slow"))
    [got] = receiver.to("/fast")
    assert got.at - started < 1.5  # answered while the slow attempt was still waiting
    assert results[fast.pk][0] < 1.5
    assert fast.status == "succeeded"
    assert slow.status == "retrying" and slow.last_error == "timed out after 2 s"
    assert slow.response_status is None and results[slow.pk][1] is not None
    assert 1.9 <= results[slow.pk][0] < 4  # cut off at the timeout, not when the receiver answered


@pytest.mark.django_db(transaction=True)
def test_the_address_is_checked_again_at_delivery_time(partner, receiver, enterprise, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 2
    DNS["moving.partner.example"] = ["93.184.216.34"]
    try:
        webhook = subscribe(partner, "http://moving.partner.example/hook")
        DNS["moving.partner.example"] = ["127.0.0.1"]  # the name now points inside (DNS rebinding)
        emit("record.revoked", enterprise)
        dispatch()
    finally:
        del DNS["moving.partner.example"]
    [delivery] = partner.get(f"{WEBHOOKS}{webhook['id']}/deliveries/").json()["results"]
    assert delivery["status"] == "dead" and delivery["response_status"] is None
    assert "resolves to 127.0.0.1, a loopback address" in delivery["last_error"]
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
def test_a_delivery_connects_to_the_checked_address_and_never_follows_a_redirect(
    partner, receiver, deliver_locally, enterprise, monkeypatch
):
    """The name is resolved once, for the check; the connection goes to that address with the name
    in the Host header. A redirect is a failed attempt."""
    DNS["pinned.partner.example"] = ["127.0.0.1"]
    calls = []
    resolve = addresses._getaddrinfo

    def counting(host, port):
        calls.append(host)
        return resolve(host, port)

    monkeypatch.setattr(addresses, "_getaddrinfo", counting)
    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: (
            pytest.fail(f"resolved {host} again")
            if "partner" in str(host)
            else real_getaddrinfo(host, *a, **k)
        ),
    )
    receiver.statuses["/moved"] = [302]
    try:
        subscribe(partner, f"http://pinned.partner.example:{receiver.port}/hook")
        subscribe(partner, receiver.url("/moved"))
        calls.clear()
        emit("record.revoked", enterprise)
        dispatch()
    finally:
        del DNS["pinned.partner.example"]
    [got] = receiver.to("/hook")
    assert got.headers["Host"] == f"pinned.partner.example:{receiver.port}"
    assert calls == ["pinned.partner.example"]
    moved = WebhookDelivery.objects.get(subscription__url=receiver.url("/moved"))
    assert moved.status == "dead" and moved.response_status == 302
    assert "redirects are not followed" in moved.last_error
    assert len(receiver.to("/moved")) == 3


@pytest.mark.django_db
def test_a_delivery_whose_task_never_ran_is_queued_again_once_per_interval(
    partner, monkeypatch, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    webhook = WebhookSubscription.objects.get(pk=subscribe(partner, "https://hooks.partner.example/h")["id"])
    long_ago = timezone.now() - services.LOST_AFTER - dt.timedelta(minutes=1)
    lost = WebhookDelivery.objects.create(
        subscription=webhook, event_id=1, event_kind="record.revoked", body="{}", next_attempt_at=long_ago
    )
    WebhookDelivery.objects.create(
        subscription=webhook,
        event_id=2,
        event_kind="record.revoked",
        body="{}",
        next_attempt_at=timezone.now(),
    )
    retrying = WebhookDelivery.objects.create(
        subscription=webhook,
        event_id=3,
        event_kind="record.revoked",
        body="{}",
        status="retrying",
        attempts=2,
        next_attempt_at=long_ago,
    )
    queued = []
    monkeypatch.setattr(tasks, "queue_deliveries", lambda attempts, **kw: queued.extend(attempts))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhooks_requeue_lost() == 2
    assert sorted(queued, key=lambda a: a[1]) == [(lost.pk, 1), (retrying.pk, 3)]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.webhooks_requeue_lost() == 0
    assert len(queued) == 2


@pytest.mark.django_db
def test_finished_deliveries_leave_the_log_after_its_retention_and_waiting_ones_stay(partner):
    import datetime as dt

    from django.utils import timezone

    webhook = WebhookSubscription.objects.get(pk=subscribe(partner, "https://hooks.partner.example/h")["id"])
    old = timezone.now() - dt.timedelta(days=31)
    made = {}
    for n, status in enumerate(["succeeded", "dead", "retrying", "pending"]):
        made[status] = WebhookDelivery.objects.create(
            subscription=webhook, event_id=n, event_kind="record.published", body="{}", status=status
        )
    recent = WebhookDelivery.objects.create(
        subscription=webhook, event_id=9, event_kind="record.published", body="{}", status="succeeded"
    )
    WebhookDelivery.objects.filter(pk__in=[d.pk for d in made.values()]).update(created_at=old)
    again = WebhookDelivery.objects.create(
        subscription=webhook,
        event_id=1,
        event_kind="record.published",
        body="{}",
        status="succeeded",
        redelivery_of=made["dead"],
        is_redelivery=True,
    )
    assert services.webhook_log_prune(days=30) == 2
    left = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert left == {made["retrying"].pk, made["pending"].pk, recent.pk, again.pk}


# --- The desk ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_agency_staff_create_a_webhook_at_the_desk_see_its_log_and_redeliver(
    client, clerk, other_clerk, market_agency, receiver, deliver_locally, enterprise
):
    receiver.statuses["/desk"] = [500]
    client.force_login(clerk)
    page = client.post(
        "/desk/webhooks/",
        {
            "agency": market_agency.pk,
            "url": receiver.url("/desk"),
            "description": "省平台",
            "kinds": ["record.revoked"],
            "usccs": enterprise.uscc,
        },
    )
    assert page.status_code == 200
    secret = re.search(r'id="webhook-secret">(whsec_[^<]+)<', page.content.decode()).group(1)
    webhook = WebhookSubscription.objects.get()
    assert (webhook.agency, webhook.kinds, webhook.usccs) == (
        market_agency,
        ["record.revoked"],
        [enterprise.uscc],
    )
    assert sealing.unseal(webhook.secret_sealed) == secret
    assert secret not in client.get("/desk/webhooks/").content.decode()

    emit("record.revoked", enterprise)
    dispatch()
    detail = client.get(f"/desk/webhooks/{webhook.pk}/")
    html = detail.content.decode()
    assert "Dead letter" in html or "死信" in html
    assert "HTTP 500 Internal Server Error" in html
    dead = WebhookDelivery.objects.get()
    receiver.statuses["/desk"] = [200]
    response = client.post(f"/desk/webhooks/{webhook.pk}/deliveries/{dead.pk}/redeliver/")
    assert response.status_code == 302
    again = WebhookDelivery.objects.get(redelivery_of=dead)
    assert again.status == "succeeded"
    assert signatures.signature_verify(
        secret=secret,
        body=receiver.to("/desk")[-1].body,
        header=receiver.to("/desk")[-1].headers["X-Registry-Signature"],
    )

    client.force_login(other_clerk)
    assert client.get(f"/desk/webhooks/{webhook.pk}/").status_code == 404
    assert client.post(f"/desk/webhooks/{webhook.pk}/deliveries/{dead.pk}/redeliver/").status_code == 404
    assert webhook.url not in client.get("/desk/webhooks/").content.decode()


@pytest.mark.django_db
def test_the_desk_form_shows_the_address_refusal_next_to_the_url(client, clerk, market_agency):
    client.force_login(clerk)
    page = client.post("/desk/webhooks/", {"agency": market_agency.pk, "url": "http://169.254.169.254/"})
    assert page.status_code == 400
    assert "云平台元数据地址" in page.content.decode()  # the desk speaks Chinese first
    client.cookies["django_language"] = "en"
    page = client.post("/desk/webhooks/", {"agency": market_agency.pk, "url": "http://169.254.169.254/"})
    assert "a cloud metadata address" in page.content.decode()
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db
def test_staff_pause_resume_and_delete_a_webhook_at_the_desk_after_confirming(client, clerk, market_agency):
    webhook, _secret = services.webhook_create(
        actor=clerk, owner=market_agency, url="https://hooks.partner.example/h"
    )
    client.force_login(clerk)
    assert client.post(f"/desk/webhooks/{webhook.pk}/pause/").status_code == 302
    webhook.refresh_from_db()
    assert webhook.status == "paused"
    client.post(f"/desk/webhooks/{webhook.pk}/resume/")
    webhook.refresh_from_db()
    assert webhook.status == "active"
    asked = client.post(f"/desk/webhooks/{webhook.pk}/delete/")
    assert asked.status_code == 200 and 'id="confirm-delete"' in asked.content.decode()
    assert WebhookSubscription.objects.filter(pk=webhook.pk).exists()
    done = client.post(f"/desk/webhooks/{webhook.pk}/delete/", {"confirmed": "1"})
    assert done.status_code == 302 and done["Location"] == "/desk/webhooks/"
    assert not WebhookSubscription.objects.filter(pk=webhook.pk).exists()


@pytest.mark.django_db
def test_a_citizen_cannot_open_the_desks_webhook_pages(client):
    response = client.get("/desk/webhooks/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- The secret at rest ----------------------------------------------------------------------------


def test_a_sealed_secret_opens_after_a_key_rotation_and_not_without_its_key(settings):
    import base64
    import os

    old = base64.b64encode(os.urandom(32)).decode()
    new = base64.b64encode(os.urandom(32)).decode()
    settings.WEBHOOK_SECRET_KEYS = [old]
    sealed = sealing.seal("whsec_example")
    settings.WEBHOOK_SECRET_KEYS = [new, old]
    assert sealing.unseal(sealed) == "whsec_example"
    assert sealing.seal("whsec_example").split(".")[1] != sealed.split(".")[1]
    settings.WEBHOOK_SECRET_KEYS = [new]
    with pytest.raises(sealing.SecretUnreadable):
        sealing.unseal(sealed)


def test_production_settings_refuse_private_addresses():
    env = {
        **worker_environment(),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 60,
        "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES": "true",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES must be off in production" in result.stderr


# --- A real Celery worker on real Redis --------------------------------------------------------------


@pytest.fixture
def webhook_worker(transactional_db, broker_tasks):
    if not settings.REDIS_URL:
        if IN_CI:
            pytest.fail("REDIS_URL must be set in CI: the webhook tests need a real worker and Redis")
        pytest.skip("REDIS_URL not set: no real worker to test against")
    queue = f"test-webhooks-{uuid.uuid4().hex[:8]}"
    env = worker_environment(
        WEBHOOKS_ALLOW_PRIVATE_ADDRESSES="true", WEBHOOKS_QUEUE=queue, TEST_CELERY_EAGER="false"
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=threads",
            "--concurrency=2",
            "-Q",
            queue,
            "--without-mingle",
            "--without-gossip",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
    )
    yield queue
    proc.terminate()
    proc.wait(timeout=20)


@pytest.mark.celery_worker
def test_a_real_worker_dispatches_and_delivers_an_event_end_to_end(
    webhook_worker, partner, receiver, deliver_locally, registry_admin
):
    from registry import services as registry_services

    webhook = subscribe(partner, receiver.url("/worker"), kinds=["enterprise.registered"])
    registry_services.enterprise_register(
        actor=registry_admin, data={"uscc": enterprise_code(77), "name": "杭州数据交换有限公司"}
    )
    tasks.webhooks_dispatch.apply_async(queue=webhook_worker)
    [got] = receiver.wait_for("/worker", 1, timeout=60)
    document = json.loads(got.body)
    assert document["kind"] == "enterprise.registered"
    assert document["enterprise"] == enterprise_code(77)
    assert signatures.signature_verify(
        secret=webhook["secret"], body=got.body, header=got.headers["X-Registry-Signature"]
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.get()
        if delivery.status == "succeeded":
            break
        time.sleep(0.1)
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)


@pytest.mark.django_db
def test_a_wrong_token_beside_a_right_developer_key_is_refused(partner):
    assert partner.get(WEBHOOKS).status_code == 200
    for wrong in ("Bearer crt_00000000_wrong", "Bearer 0", "Basic Zm9vOmJhcg==", ""):
        partner.credentials(HTTP_AUTHORIZATION=wrong)
        response = partner.get(WEBHOOKS)
        assert response.status_code == 401, wrong
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_a_wrong_or_empty_developer_key_beside_a_right_agency_token_is_refused(
    registry_admin, partner, clerk, market_agency
):
    """Both credentials are checked whichever would let the request in: the agency's own webhook is
    listed with its token alone, and the key is the one that counts when both are right."""
    webhook, _secret = services.webhook_create(
        actor=clerk, owner=market_agency, url="https://hooks.partner.example/agency"
    )
    _token, token = token_issue(actor=registry_admin, agency=market_agency, name="省平台")
    agency = APIClient(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="en")
    assert [w["id"] for w in agency.get(WEBHOOKS).json()["results"]] == [webhook.pk]
    for wrong in ("dk_00000000_nope", "", "   "):
        response = agency.get(WEBHOOKS, HTTP_X_API_KEY=wrong)
        assert response.status_code == 401, repr(wrong)
        assert response["Content-Type"].startswith("application/json")
    both = agency.get(WEBHOOKS, HTTP_X_API_KEY=partner.defaults["HTTP_X_API_KEY"])
    assert (both.status_code, both.json()["results"]) == (200, [])
