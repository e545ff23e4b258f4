"""A partner's change feed served by a plain ``http.server`` in a thread, with the events a test
gives it (hostile ones included), and builders of well-formed events as a real feed writes them."""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tests.factories import agency_code, enterprise_code

AGENCY = agency_code(901, division="330000")
FIRM = enterprise_code(901)


class FakeFeed:
    """Serves ``events`` as a change feed: the cursor is the number of events already read."""

    def __init__(self, events: list) -> None:
        self.events = events
        self.requests: list[dict] = []
        feed = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                query = parse_qs(urlsplit(self.path).query)
                feed.requests.append({"query": query, "key": self.headers.get("X-Api-Key")})
                start = int(query.get("after", ["0"])[0] or 0)
                limit = int(query.get("limit", ["100"])[0])
                page = feed.events[start : start + limit]
                body = json.dumps({"events": page, "next": str(start + len(page))}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/changes/"

    def __enter__(self) -> FakeFeed:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def record_event(
    *,
    kind: str = "record.published",
    source: str = "zhejiang",
    key: str | None = None,
    version: int = 1,
    enterprise: str = FIRM,
    document_number: str = "浙市监罚〔2026〕501号",
    **payload_overrides,
) -> dict:
    key = key or str(uuid.uuid4())
    payload = {
        "id": 77,
        "record_key": key,
        "version": version,
        "kind": "penalty",
        "kind_display": "行政处罚",
        "document_number": document_number,
        "document_name": "",
        "party_name": "杭州西湖伙伴测试有限公司",
        "party_category": "legal_person",
        "party_uscc": enterprise,
        "legal_representative": "王小明",
        "content": "罚款人民币五万元",
        "decision_date": (dt.date.today() - dt.timedelta(days=10)).isoformat(),
        "publicity_end": (dt.date.today() + dt.timedelta(days=365)).isoformat(),
        "authority_name": "浙江省市场监督管理局",
        "authority_uscc": AGENCY,
        "source_unit_name": "浙江省市场监督管理局",
        "source_unit_uscc": AGENCY,
        "agency_name": "浙江省市场监督管理局",
        "agency_uscc": AGENCY,
        "source_platform": source,
        "source_platform_name": "",
        "severity": "general",
        "is_exempt": False,
        "rule_name": "",
        "rule_legal_basis": "",
        "violation_type": "虚假宣传",
        "violation_facts": "在网站发布虚假的产品功效宣传。",
        "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
        "penalty_categories": ["fine"],
        "fine_amount": "5",
        "confiscated_amount": None,
        "suspended_licence": "",
    }
    payload.update(payload_overrides)
    if kind not in ("record.published", "record.corrected"):
        payload = {
            "record_key": key,
            "version": version,
            "document_number": document_number,
            "agency_uscc": AGENCY,
        }
    return {
        "kind": kind,
        "occurred_at": "2026-12-01T10:00:00Z",
        "enterprise": enterprise,
        "subject": key,
        "agency": AGENCY,
        "source_platform": source,
        "payload": payload,
    }


def enterprise_event(
    *, uscc: str = FIRM, name: str = "杭州西湖伙伴测试有限公司", source: str = "zhejiang"
) -> dict:
    return {
        "kind": "enterprise.registered",
        "occurred_at": "2026-12-01T09:00:00Z",
        "enterprise": uscc,
        "subject": uscc,
        "agency": None,
        "source_platform": source,
        "payload": {"uscc": uscc, "name": name, "legal_representative": "王小明", "status": "in_operation"},
    }


def listing_event(
    *, original: str = "41", start: str, list_kind: str = "dishonest", source: str = "zhejiang"
) -> dict:
    return {
        "kind": "listing.entered",
        "occurred_at": "2026-12-01T11:00:00Z",
        "enterprise": FIRM,
        "subject": original,
        "agency": AGENCY,
        "source_platform": source,
        "payload": {
            "id": int(original),
            "list_kind": list_kind,
            "list_name": "严重失信主体名单",
            "nature": "punishment",
            "agency": "浙江省市场监督管理局",
            "agency_uscc": AGENCY,
            "document_number": f"浙市监信〔2026〕{original}号",
            "grounds": "拒不履行行政处罚决定。",
            "legal_basis": "《严重违法失信名单管理办法》",
            "start_date": start,
            "end_date": None,
            "removal_conditions": "履行完毕",
            "source_platform": source,
            "source_platform_name": "",
        },
    }


def credit_page(client, uscc: str, language: str) -> str:
    """The credit page as a visitor sees it in ``language`` (pages follow the language switch's cookie)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"/enterprises/{uscc}/")
    assert response.status_code == 200
    return response.content.decode()
