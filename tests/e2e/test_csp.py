"""The content security policy runs no inline script, and the pages still work under it.

Every script is a file under static/ (the record form's, the badge dialogs', Swagger UI's from
drf-spectacular-sidecar), so ``script-src`` is ``'self'`` alone: a script injected into a page is
refused by the browser. The browser tests load each page that had an inline script, and
/api/docs/, in Chromium, and fail on any "Refused to execute" or ``securitypolicyviolation``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from registry.choices import StaffRoleKind
from registry.models import StaffRole
from tests.factories import AgencyFactory, EnterpriseFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [ROOT / "templates", ROOT / "lookup", ROOT / "sanctions", ROOT / "registry"]
# <script> with no src, other than data (json_script writes type="application/json").
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def directives(header: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            found[words[0]] = words[1:]
    return found


# -- without a browser ----------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/api/docs/", "/accounts/login/"])
def test_the_policy_runs_no_inline_script(url):
    response = Client().get(url)
    assert response.status_code == 200
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy.get("default-src", [])
    assert policy["frame-ancestors"] == ["'none'"]


def test_no_template_has_an_inline_script_an_event_handler_or_a_javascript_url():
    templates = [
        path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html") if "templates" in path.parts
    ]
    assert len(templates) > 50
    offenders = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, JAVASCRIPT_URL):
            offenders += [f"{path.relative_to(ROOT)}: {m.group(0)[:80]}" for m in pattern.finditer(text)]
    assert offenders == []


@pytest.mark.django_db
def test_the_api_docs_title_is_in_the_readers_language():
    chinese = Client().get("/api/docs/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<title>企业信用信息登记与查询 API</title>" in chinese
    english = Client()
    english.cookies["django_language"] = "en"
    assert "<title>Corporate Credit Registry API</title>" in english.get("/api/docs/").content.decode()


@pytest.mark.django_db
def test_the_api_docs_load_swagger_ui_from_our_own_static_files():
    page = Client().get("/api/docs/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources)
    assert all(s.startswith("/") for s in sources), sources  # no CDN
    script = Client().get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    assert Client().get(next(s for s in sources if s.endswith("swagger-ui-bundle.js"))).status_code == 200


# -- in the browser -------------------------------------------------------------------------------------
PASSWORD = "pw-for-tests-1"


class Violations:
    """What the browser refused: console messages and securitypolicyviolation events."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        page.on("console", self._on_console)
        page.add_init_script(
            "window.__csp = [];"
            "document.addEventListener('securitypolicyviolation',"
            " e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )

    def _on_console(self, message) -> None:
        text = message.text
        if "Refused to" in text or "Content Security Policy" in text:
            self.console.append(text)

    def all(self) -> list[str]:
        return self.console + self.page.evaluate("window.__csp || []")


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(base_url + "/accounts/login/?next=/desk/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#sign-in")
    page.wait_for_url("**/desk/")


@pytest.fixture
def clerk_of_two_agencies():
    market = AgencyFactory(name="浙江省市场监督管理局")
    tax = AgencyFactory(name="国家税务总局浙江省税务局")
    clerk = UserFactory(username="clerk_two_agencies")
    for agency in (market, tax):
        StaffRole.objects.create(user=clerk, agency=agency, role=StaffRoleKind.CLERK)
    EnterpriseFactory(name="杭州西湖建设工程有限公司")
    return clerk, market, tax


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_record_form_works_under_the_policy(live_server, page, clerk_of_two_agencies):
    _clerk, market, tax = clerk_of_two_agencies
    violations = Violations(page)
    sign_in(page, live_server.url, "clerk_two_agencies")
    page.goto(live_server.url + "/desk/records/new/penalty/")

    # The deciding authority follows the chosen agency (static/js/record_form.js).
    page.select_option("#id_agency", str(market.pk))
    page.fill("#id_authority_name", market.name)
    page.fill("#id_authority_uscc", market.uscc)
    page.select_option("#id_agency", str(tax.pk))
    assert page.input_value("#id_authority_name") == tax.name
    assert page.input_value("#id_authority_uscc") == tax.uscc
    # ... unless the clerk typed something else.
    page.fill("#id_authority_name", "另一机关")
    page.select_option("#id_agency", str(market.pk))
    assert page.input_value("#id_authority_name") == "另一机关"

    # A refused save puts the focus on the error summary.
    page.click("#save-submit")
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert violations.all() == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_api_docs_render_offline_under_the_policy(live_server, page):
    violations = Violations(page)
    ours = urlsplit(live_server.url).netloc
    elsewhere: list[str] = []

    def only_our_server(route) -> None:
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_our_server)
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 20  # the operations, from /api/schema/
    assert page.locator(".opblock-summary-path", has_text="/api/v1/public/enterprises/").count() >= 1
    assert elsewhere == []
    assert violations.all() == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_portal_pages_load_under_the_policy(live_server, page):
    violations = Violations(page)
    enterprise = EnterpriseFactory(name="杭州西湖建设工程有限公司")
    for url in ("/", f"/search/?q={enterprise.uscc}", "/accounts/login/"):
        page.goto(live_server.url + url)
        page.wait_for_load_state()
    assert violations.all() == []
