"""Staff scoping, one matrix: every desk page and staff API endpoint that shows or acts on one
agency's object, asked by each kind of visitor.

The rule is ``sanctions.permissions.restrict_to_staff`` / ``get_for_staff``: the staff of the
agency that owns an object see it and act on it; another agency's staff get a 404 (and do not find
it in their lists), so that its existence stays unknown; a registry administrator sees everything;
an anonymous visitor is sent to sign in (desk) or refused (API).

Each row of ``DESK`` and ``API`` names an endpoint by its URL name, the object of agency A it is
about, and who at agency A works with it (a clerk or a reviewer: agency B's visitor has the same
role, so that only the scoping can keep B out). ``test_every_staff_endpoint_is_in_the_matrix``
fails when an endpoint is added without a row: add one, or name the endpoint in ``NOT_ONE_AGENCYS``
with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from lookup.models import WebhookDelivery
from lookup.webhooks import events as webhook_events
from lookup.webhooks import services as webhooks
from lookup.webhooks.choices import DeliveryStatus
from registry.accounts import claim_code_issue, enterprise_account_confirm, enterprise_claim
from registry.choices import StaffRoleKind
from registry.models import ChangeEvent, StaffRole
from sanctions.choices import ImportStatus
from sanctions.inspections import services as inspections
from sanctions.lists import notifications
from sanctions.models import ImportBatch, Notification
from sanctions.records import services as records
from sanctions.remedies import commitments, objections, repair
from tests.factories import EnterpriseFactory, UserFactory
from tests.sanctions.inspections.helpers import graded, plan_data, roster
from tests.sanctions.lists.helpers import draft_listing, publish_listing, publish_record
from tests.sanctions.payloads import penalty_data

pytestmark = [pytest.mark.django_db]

# A whole (one blank page) PDF: attachments must be PDFs that can be read (sanctions/remedies/uploads.py).
PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] "
    b"/Count 1 >>\nendobj\n3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\nxref\n0 4\n"
    b"0000000000 65535 f \n0000000009 00000 n \n0000000058 00000 n \n0000000115 00000 n \ntrailer\n"
    b"<< /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n"
)

# What the registry administrator gets: ``SEES`` a page or list as the agency's staff do (200, the
# object listed); ``REACHES`` the object, past the scoping, where the service then decides what a
# registry administrator may do (anything but 404); or an exact status, for the pages that are an
# agency's own rather than a view of its objects.
SEES = "sees"
REACHES = "reaches"


@dataclass(frozen=True)
class Endpoint:
    name: str  # URL name
    target: str  # which of agency A's objects (an ``AgencyWork`` property)
    role: str = "clerk"  # who at agency A works with it: "clerk" or "reviewer"
    method: str = "get"
    data: dict[str, Any] = field(default_factory=dict)
    lists: Callable[[Any], str] | None = None  # for a list: what of the object appears in it
    admin: str | int = SEES
    own: int | None = None  # agency A's own visitor, when the endpoint is not theirs to use
    args: Callable[[Any], list] | None = None  # the URL's arguments, when not just the object's pk

    @property
    def id(self) -> str:
        return self.name if self.method in ("get", "post") else f"{self.name}[{self.method}]"


def link(url_name: str) -> Callable[[Any], str]:
    """A list shows the object by a link (or form) to its own page."""
    return lambda obj: f'"{reverse(url_name, args=[obj.pk])}"'


# -- the desk ---------------------------------------------------------------------------------------
DESK = [
    # records
    Endpoint("sanctions:records", "published_record", lists=link("sanctions:record")),
    Endpoint(
        "sanctions:review",
        "submitted_record",
        role="reviewer",
        lists=link("sanctions:record"),
        admin=403,  # a reviewer's own queue: the administrator reviews for no agency
    ),
    Endpoint("sanctions:record", "published_record"),
    Endpoint("sanctions:record-edit", "draft_record", admin=REACHES),
    Endpoint("sanctions:record-correct", "published_record", admin=REACHES),
    Endpoint("sanctions:record-submit", "draft_record", method="post", admin=REACHES),
    Endpoint("sanctions:record-publish", "submitted_record", role="reviewer", method="post", admin=REACHES),
    Endpoint(
        "sanctions:record-send-back",
        "submitted_record",
        role="reviewer",
        method="post",
        data={"comment": "请补充违法事实。"},
        admin=REACHES,
    ),
    Endpoint(
        "sanctions:record-revoke",
        "published_record",
        method="post",
        data={"reason": "处罚决定已被复议撤销。"},
        admin=REACHES,
    ),
    # imports
    Endpoint("sanctions:imports", "import_batch", lists=link("sanctions:import")),
    Endpoint("sanctions:import", "import_batch"),
    Endpoint("sanctions:import-errors", "import_batch"),
    Endpoint("sanctions:import-cancel", "running_import", method="post", admin=REACHES),
    Endpoint("sanctions:import-resume", "failed_import", method="post", admin=REACHES),
    # listings
    Endpoint("lists:listings", "draft_listing", lists=link("lists:listing")),
    Endpoint(
        "lists:listing-review",
        "submitted_listing",
        role="reviewer",
        lists=link("lists:listing"),
        admin=403,  # a reviewer's own queue
    ),
    Endpoint("lists:listing", "draft_listing"),
    Endpoint("lists:listing-edit", "draft_listing", admin=REACHES),
    Endpoint("lists:listing-submit", "draft_listing", method="post", admin=REACHES),
    Endpoint("lists:listing-publish", "submitted_listing", role="reviewer", method="post", admin=REACHES),
    Endpoint(
        "lists:listing-send-back",
        "submitted_listing",
        role="reviewer",
        method="post",
        data={"comment": "请引用处罚决定。"},
        admin=REACHES,
    ),
    Endpoint(
        "lists:listing-remove",
        "active_listing",
        role="reviewer",
        method="post",
        data={"reason": "revoked", "note": "列入决定已被撤销。"},
        admin=REACHES,
    ),
    # subscriptions and notifications: the following agency's own; the administrator follows nothing
    Endpoint("lists:subscriptions", "subscription", lists=link("lists:subscription-delete"), admin=403),
    Endpoint("lists:subscription-delete", "subscription", method="post", admin=404),
    Endpoint(
        "lists:notifications",
        "notification",
        lists=lambda notification: notification.listing.enterprise.uscc,
        admin=403,
    ),
    # repair applications
    Endpoint("remedies:queue", "application", role="reviewer", lists=link("remedies:application")),
    Endpoint("remedies:application", "application", role="reviewer"),
    Endpoint(
        "remedies:decide",
        "application",
        role="reviewer",
        method="post",
        data={"decision": "reject", "reason": "缴款凭证不清晰。"},
        admin=REACHES,
    ),
    Endpoint("remedies:material", "material", role="reviewer"),
    # objections
    Endpoint("remedies:objections", "objection", lists=link("remedies:objection")),
    Endpoint("remedies:objection", "objection"),
    # The platform forwards an objection to the agency; the agency's staff may not.
    Endpoint("remedies:objection-forward", "objection", method="post", own=403, admin=REACHES),
    Endpoint(
        "remedies:objection-decide",
        "objection",
        method="post",
        data={"outcome": "upheld", "reason": "经核实，记录无误。"},
        admin=REACHES,
    ),
    Endpoint("remedies:objection-correct", "objection", admin=REACHES),
    Endpoint("remedies:evidence", "evidence"),
    # commitments
    Endpoint("remedies:commitments", "commitment", lists=link("remedies:commitment")),
    Endpoint("remedies:commitment", "commitment"),
    Endpoint(
        "remedies:commitment-decide",
        "commitment",
        method="post",
        data={"outcome": "fulfilled", "note": ""},
        admin=REACHES,
    ),
    # random inspections (sanctions/inspections)
    Endpoint("inspections:plans", "draft_plan", lists=link("inspections:plan")),
    Endpoint("inspections:plan", "draft_plan"),
    Endpoint("inspections:plan-edit", "draft_plan", admin=REACHES),
    Endpoint("inspections:plan-submit", "draft_plan", method="post", admin=REACHES),
    Endpoint("inspections:plan-approve", "submitted_plan", role="reviewer", method="post", admin=REACHES),
    Endpoint(
        "inspections:plan-send-back",
        "submitted_plan",
        role="reviewer",
        method="post",
        data={"comment": "请调整抽查比例。"},
        admin=REACHES,
    ),
    Endpoint("inspections:plan-draw", "approved_plan", method="post", admin=REACHES),
    Endpoint("inspections:inspection", "pending_inspection"),
    Endpoint(
        "inspections:inspection-publish",
        "submitted_inspection",
        role="reviewer",
        method="post",
        admin=REACHES,
    ),
    Endpoint(
        "inspections:inspection-send-back",
        "submitted_inspection",
        role="reviewer",
        method="post",
        data={"comment": "请补充检查发现的问题。"},
        admin=REACHES,
    ),
    # the agency's own roster: the administrator keeps none
    Endpoint("inspections:roster", "inspector", lists=lambda inspector: inspector.badge_number, admin=403),
    # webhooks (lookup/webhooks/views.py): any of the agency's staff manage its webhooks; the registry
    # administrator manages every agency's (lookup.webhooks.services.access.can_manage_webhooks)
    Endpoint("webhooks:list", "webhook", lists=link("webhooks:detail")),
    Endpoint("webhooks:detail", "webhook"),
    Endpoint("webhooks:pause", "webhook", method="post"),
    Endpoint("webhooks:resume", "paused_webhook", method="post"),
    Endpoint("webhooks:delete", "webhook", method="post", data={"confirmed": "1"}),
    Endpoint(
        "webhooks:redeliver",
        "webhook_delivery",
        method="post",
        args=lambda delivery: [delivery.subscription_id, delivery.pk],
    ),
]


# -- the staff API (config/api_urls.py) -------------------------------------------------------------
def api_item(obj) -> int:
    return obj.pk


API = [
    Endpoint("record-list", "published_record", lists=api_item),
    Endpoint("record-detail", "published_record"),
    Endpoint(
        "record-detail",
        "draft_record",
        method="patch",
        data={"violation_facts": "在网站发布虚假的产品功效宣传，经查属实。"},
        admin=REACHES,
    ),
    Endpoint("record-submit", "draft_record", method="post", admin=REACHES),
    Endpoint("record-publish", "submitted_record", role="reviewer", method="post", admin=REACHES),
    Endpoint(
        "record-send-back",
        "submitted_record",
        role="reviewer",
        method="post",
        data={"comment": "请补充违法事实。"},
        admin=REACHES,
    ),
    Endpoint(
        "record-correct",
        "published_record",
        method="post",
        data={"content": "罚款人民币六万元", "fine_amount": "6", "reason": "罚款金额录入有误。"},
        admin=REACHES,
    ),
    Endpoint(
        "record-revoke",
        "published_record",
        method="post",
        data={"reason": "处罚决定已被复议撤销。"},
        admin=REACHES,
    ),
    Endpoint("import-list", "import_batch", lists=api_item),
    Endpoint("import-detail", "import_batch"),
    Endpoint("import-errors-csv", "import_batch"),
    Endpoint("import-cancel", "running_import", method="post", admin=REACHES),
    Endpoint("import-resume", "failed_import", method="post", own=202, admin=REACHES),  # queued again
    # repair applications, objections and commitments (sanctions/remedies/api)
    Endpoint("repair-application-list", "application", role="reviewer", lists=api_item),
    Endpoint("repair-application-detail", "application", role="reviewer"),
    Endpoint(
        "repair-application-decide",
        "application",
        role="reviewer",
        method="post",
        data={"decision": "reject", "reason": "缴款凭证不清晰。"},
        admin=REACHES,
    ),
    Endpoint("objection-list", "objection", lists=api_item),
    Endpoint("objection-detail", "objection"),
    Endpoint("objection-forward", "objection", method="post", own=403, admin=REACHES),
    Endpoint(
        "objection-decide",
        "objection",
        method="post",
        data={"outcome": "upheld", "reason": "经核实，记录无误。"},
        admin=REACHES,
    ),
    Endpoint("commitment-list", "commitment", lists=api_item),
    Endpoint("commitment-detail", "commitment"),
    Endpoint(
        "commitment-decide",
        "commitment",
        method="post",
        data={"outcome": "fulfilled", "note": ""},
        admin=REACHES,
    ),
    # random inspections (sanctions/inspections/api.py)
    Endpoint("inspection-plan-list", "draft_plan", lists=api_item),
    Endpoint("inspection-plan-detail", "draft_plan"),
    Endpoint("inspection-plan-submit", "draft_plan", method="post", admin=REACHES),
    Endpoint("inspection-plan-approve", "submitted_plan", role="reviewer", method="post", admin=REACHES),
    Endpoint(
        "inspection-plan-send-back",
        "submitted_plan",
        role="reviewer",
        method="post",
        data={"comment": "请调整抽查比例。"},
        admin=REACHES,
    ),
    Endpoint("inspection-plan-draw", "approved_plan", method="post", admin=REACHES),
    Endpoint("inspection-list", "pending_inspection", lists=api_item),
    Endpoint("inspection-detail", "pending_inspection"),
    Endpoint(
        "inspection-result",
        "pending_inspection",
        method="post",
        data={"outcome": "no_problem", "inspected_on": timezone.localdate().isoformat()},
        admin=REACHES,
    ),
    Endpoint("inspection-publish", "submitted_inspection", role="reviewer", method="post", admin=REACHES),
    Endpoint(
        "inspection-send-back",
        "submitted_inspection",
        role="reviewer",
        method="post",
        data={"comment": "请补充检查发现的问题。"},
        admin=REACHES,
    ),
]

# Desk pages and API endpoints that are not about one agency's object, and why.
NOT_ONE_AGENCYS = {
    "sanctions:record-new": "a form for a new record",
    "sanctions:import-template": "a blank file to import, the same for every agency",
    "import-columns": "the columns an import reads, the same for every agency",
    "import-template": "a blank file to import, the same for every agency",
    "lists:listing-new": "a form for a new listing",
    "inspections:plan-new": "a form for a new inspection plan",
    "remedies:commitment-new": "a form for a new commitment",
    "api-root": "the API's index",
    "enterprise-list": "public registry data",
    "enterprise-detail": "public registry data",
    "enterprise-measures": "public credit-system data",
    "agency-list": "public registry data",
    "agency-detail": "public registry data",
    "uscc-explain": "public",
    "badge-verify": "public",
    "changes": "public: the change feed of what the public pages show (lookup.api.changes)",
    "statistics-api": "public: the statistics of what the public pages show",
    "agency-token-list": "an agency's API tokens: its agency administrators' (registry.api.token_views)",
    "agency-token-revoke": "an agency's API tokens: its agency administrators' (registry.api.token_views)",
    # /api/v1/webhooks/ answers only a developer key or an agency's API token, never a staff session
    # (lookup.webhooks.api.IsWebhookSubscriber), so a signed-in staff member or registry administrator
    # cannot ask it; its scoping by subscriber is tested in tests/lookup/test_webhooks.py:
    # test_a_partner_sees_and_changes_only_its_own_webhooks_and_deliveries (key against key) and
    # test_an_agency_token_reaches_only_its_agencys_webhooks_and_deliveries (token against token).
    **{
        name: "answers developer keys and agency API tokens only, scoped by subscriber: "
        "tests/lookup/test_webhooks.py::test_an_agency_token_reaches_only_its_agencys_webhooks_and_deliveries"
        for name in (
            "webhook-list",
            "webhook-detail",
            "webhook-pause",
            "webhook-resume",
            "webhook-deliveries",
            "webhook-redeliver",
        )
    },
}
PUBLIC_API_PREFIX = "public-"


# -- agency A's objects -----------------------------------------------------------------------------
def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


class AgencyWork:
    """Agency A's objects, each made on first use the way its desk or its service makes it."""

    def __init__(self, *, agency, clerk, reviewer, registry_admin):
        self.agency, self.clerk, self.reviewer, self.registry_admin = agency, clerk, reviewer, registry_admin
        self.numbers = iter(range(1, 1000))

    def _record(self, **overrides):
        data = penalty_data(
            self.agency,
            EnterpriseFactory(),
            document_number=f"浙市监罚〔2026〕{900 + next(self.numbers)}号",
            **overrides,
        )
        record, _created = records.record_create(
            actor=self.clerk, agency=self.agency, kind="penalty", data=data
        )
        return record

    @cached_property
    def draft_record(self):
        return self._record()

    @cached_property
    def submitted_record(self):
        return records.record_submit(actor=self.clerk, record=self._record())

    @cached_property
    def published_record(self):
        return publish_record(self.clerk, self.reviewer, self.agency, EnterpriseFactory())

    def _import(self, status: str) -> ImportBatch:
        return ImportBatch.objects.create(
            agency=self.agency,
            uploaded_by=self.clerk,
            file="imports/agency-a.csv",
            original_name="agency-a.csv",
            sha256="0" * 64,
            status=status,
            total_rows=10,
            processed_rows=4,
        )

    @cached_property
    def import_batch(self):
        return self._import(ImportStatus.DONE)

    @cached_property
    def running_import(self):
        return self._import(ImportStatus.IMPORTING)

    @cached_property
    def failed_import(self):
        return self._import(ImportStatus.FAILED)

    @cached_property
    def draft_listing(self):
        return draft_listing(
            self.clerk, self.agency, EnterpriseFactory(), document_number="浙市监信〔2026〕71号"
        )

    @cached_property
    def submitted_listing(self):
        from sanctions.lists import services as listings

        listing = draft_listing(
            self.clerk, self.agency, EnterpriseFactory(), document_number="浙市监信〔2026〕72号"
        )
        return listings.listing_submit(actor=self.clerk, listing=listing)

    @cached_property
    def active_listing(self):
        return publish_listing(
            self.clerk,
            self.reviewer,
            self.agency,
            EnterpriseFactory(),
            document_number="浙市监信〔2026〕73号",
        )

    @cached_property
    def subscription(self):
        return notifications.subscription_create(
            actor=self.clerk, agency=self.agency, enterprise=EnterpriseFactory()
        )

    @cached_property
    def notification(self):
        enterprise = self.subscription.enterprise
        publish_listing(
            self.clerk, self.reviewer, self.agency, enterprise, document_number="浙市监信〔2026〕74号"
        )
        return Notification.objects.get(agency=self.agency, listing__enterprise=enterprise)

    @cached_property
    def application(self):
        enterprise = EnterpriseFactory()
        fine = publish_record(self.clerk, self.reviewer, self.agency, enterprise, decision_date=days_ago(125))
        account = UserFactory(username="enterprise_account")
        _claim, code = claim_code_issue(actor=self.registry_admin, enterprise=enterprise)
        claim = enterprise_claim(actor=account, uscc=enterprise.uscc, code=code)
        enterprise_account_confirm(actor=self.registry_admin, account=claim)
        return repair.repair_apply(
            actor=account,
            record=fine,
            statement="罚款已缴清，已整改。",
            materials=[
                ("commitment_letter", upload("承诺书.pdf")),
                ("proof_of_performance", upload("缴款凭证.pdf")),
            ],
        )

    @cached_property
    def material(self):
        return self.application.materials.first()

    @cached_property
    def objection(self):
        objection, _key = objections.objection_submit(
            objector_name="张三",
            contact="zhang@example.com",
            reason="处罚决定已被复议撤销。",
            record=self.published_record,
            evidence=[upload("复议决定书.pdf")],
        )
        return objection

    @cached_property
    def evidence(self):
        return self.objection.evidence.first()

    @cached_property
    def commitment(self):
        return commitments.commitment_record(
            actor=self.clerk,
            agency=self.agency,
            enterprise=EnterpriseFactory(),
            kind="notification",
            content="承诺在30日内补交消防安全检查合格证明。",
            legal_basis="《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》",
            signed_on=timezone.localdate() - dt.timedelta(days=40),
            due_date=timezone.localdate() - dt.timedelta(days=10),
        )

    def _plan(self, *, submit: bool = False):
        return inspections.plan_create(actor=self.clerk, agency=self.agency, data=plan_data(), submit=submit)

    @cached_property
    def draft_plan(self):
        return self._plan()

    @cached_property
    def submitted_plan(self):
        return self._plan(submit=True)

    @cached_property
    def approved_plan(self):
        roster(self.agency, self.registry_admin)
        graded("D")
        return inspections.plan_approve(actor=self.reviewer, plan=self._plan(submit=True))

    @cached_property
    def pending_inspection(self):
        plan = inspections.inspection_draw(actor=self.clerk, plan=self.approved_plan)
        return plan.inspections.get()

    @cached_property
    def submitted_inspection(self):
        return inspections.inspection_result_enter(
            actor=self.clerk,
            inspection=self.pending_inspection,
            data={"outcome": "no_problem", "inspected_on": timezone.localdate()},
        )

    @cached_property
    def inspector(self):
        return roster(self.agency, self.registry_admin)[0]

    def _webhook(self):
        webhook, _secret = webhooks.webhook_create(
            actor=self.clerk,
            owner=self.agency,
            url=f"https://93.184.216.34/agency-a/{next(self.numbers)}",  # a public address: no DNS
            description="省平台",
        )
        return webhook

    @cached_property
    def webhook(self):
        return self._webhook()

    @cached_property
    def paused_webhook(self):
        return webhooks.webhook_pause(actor=self.clerk, webhook=self._webhook())

    @cached_property
    def webhook_delivery(self):
        """A dead letter of a published record's event. The dispatcher (``webhooks_dispatch``) reads
        only committed events, and this test's transaction never commits: the delivery is the row
        it would write."""
        webhook = self.webhook
        record = self.published_record
        event = ChangeEvent.objects.filter(enterprise_uscc=record.enterprise.uscc).latest("id")
        return WebhookDelivery.objects.create(
            subscription=webhook,
            event_id=event.id,
            event_kind=event.kind,
            body=webhook_events.event_body(event),
            status=DeliveryStatus.DEAD,
            attempts=8,
            last_error="HTTP 500 Internal Server Error",
        )


@pytest.fixture
def other_reviewer(other_agency):
    user = UserFactory(username="other_reviewer")
    StaffRole.objects.create(user=user, agency=other_agency, role=StaffRoleKind.REVIEWER)
    return user


@pytest.fixture
def work(market_agency, clerk, reviewer, registry_admin, media_root):
    return AgencyWork(agency=market_agency, clerk=clerk, reviewer=reviewer, registry_admin=registry_admin)


# -- asking -----------------------------------------------------------------------------------------
PERSONAS = ["own", "other", "admin", "anonymous"]


def visitor(request, endpoint: Endpoint, persona: str):
    if persona == "anonymous":
        return None
    if persona == "admin":
        return request.getfixturevalue("registry_admin")
    if persona == "own":
        return request.getfixturevalue(endpoint.role)
    return request.getfixturevalue("other_clerk" if endpoint.role == "clerk" else "other_reviewer")


def ask(endpoint: Endpoint, obj, user, *, api: bool):
    args = [] if endpoint.lists else (endpoint.args(obj) if endpoint.args else [obj.pk])
    url = reverse(endpoint.name, args=args)
    if api:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if user is not None:
            client.force_authenticate(user)
        return getattr(client, endpoint.method)(url, endpoint.data or None, format="json")
    client = Client()
    if user is not None:
        client.force_login(user)
    return getattr(client, endpoint.method)(url, endpoint.data)


def listed(endpoint: Endpoint, obj, response, *, api: bool) -> bool:
    if api:
        body = response.json()
        items = body["results"] if isinstance(body, dict) else body
        return endpoint.lists(obj) in [item["id"] for item in items]
    return endpoint.lists(obj) in response.content.decode()


def check(endpoint: Endpoint, obj, response, persona: str, *, api: bool) -> None:
    status = response.status_code
    shown = f"{endpoint.id} as {persona}: {status}"
    if persona == "anonymous":
        if api:
            assert status in (401, 403), shown
        else:
            assert status == 302 and response["Location"].startswith(reverse(settings.LOGIN_URL)), shown
        return
    if persona == "other":
        if endpoint.lists:
            assert status == 200, shown
            assert not listed(endpoint, obj, response, api=api), f"{shown}: another agency's object is listed"
        else:
            assert status == 404, shown
        return
    expected: str | int = (endpoint.own or SEES) if persona == "own" else endpoint.admin
    if expected == REACHES:
        assert status not in (404, 500), shown
    elif expected == SEES:
        if endpoint.method == "get" or endpoint.lists:
            assert status == 200, shown
        else:
            assert status in ((200, 201) if api else (302,)), shown
        if endpoint.lists:
            assert listed(endpoint, obj, response, api=api), f"{shown}: the object is not listed"
    else:
        assert status == expected, shown


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", DESK, ids=[e.id for e in DESK])
def test_desk_pages_keep_to_the_staffs_agencies(request, work, endpoint, persona):
    obj = getattr(work, endpoint.target)
    user = visitor(request, endpoint, persona)
    check(endpoint, obj, ask(endpoint, obj, user, api=False), persona, api=False)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("endpoint", API, ids=[e.id for e in API])
def test_staff_api_keeps_to_the_staffs_agencies(request, work, endpoint, persona):
    obj = getattr(work, endpoint.target)
    user = visitor(request, endpoint, persona)
    check(endpoint, obj, ask(endpoint, obj, user, api=True), persona, api=True)


# -- completeness -----------------------------------------------------------------------------------
def _routes(resolver=None, prefix: str = "", namespace: str | None = None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from _routes(pattern, prefix + str(pattern.pattern), inner)
        elif pattern.name:
            yield (
                (f"{namespace}:{pattern.name}" if namespace else pattern.name),
                prefix + str(pattern.pattern),
            )


def test_every_staff_endpoint_is_in_the_matrix():
    desk = {name for name, route in _routes() if route.startswith("desk/")}
    api = {
        name
        for name, route in _routes()
        if route.startswith("api/v1/") and not name.startswith(PUBLIC_API_PREFIX)
    }
    covered = {e.name for e in DESK + API} | set(NOT_ONE_AGENCYS)
    assert (desk | api) - covered == set(), (
        "Add these to DESK or API in tests/sanctions/test_staff_scoping.py (or to NOT_ONE_AGENCYS, "
        "with the reason)"
    )
    assert covered - (desk | api) == set(), "the matrix names endpoints that no longer exist"
