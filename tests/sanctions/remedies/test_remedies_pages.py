"""The remedies pages: the public eligibility page, the objection form and its follow-up page, the
enterprise's applications, the desk's queues and decisions, and the file downloads' permissions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from sanctions.models import Commitment, Objection, RepairApplication
from sanctions.remedies import commitments, objections, repair, selectors
from tests.factories import UserFactory
from tests.sanctions.remedies.helpers import EXE, HTML, PDF, days_ago, png_bytes, publish_penalty, upload

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def fresh_cache():
    """The objection rate limit counts in the cache: every test starts from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def html(response) -> str:
    return response.content.decode()


# -- public eligibility ------------------------------------------------------------------------------------
def test_anyone_sees_whether_and_from_when_each_record_can_be_repaired(
    client, clerk, reviewer, market_agency, enterprise, old_fine
):
    recent = publish_penalty(clerk, reviewer, market_agency, enterprise, decision_date=days_ago(10))
    revoked_licence = publish_penalty(
        clerk,
        reviewer,
        market_agency,
        enterprise,
        decision_date=days_ago(200),
        penalty_categories=["licence_revoked"],
        fine_amount="",
    )
    response = client.get(reverse("remedies:eligibility", args=[enterprise.uscc]))
    assert response.status_code == 200
    page = html(response)
    assert re.search(rf'id="record-{old_fine.pk}" class="eligibility-row can-apply"', page)
    assert re.search(rf'id="record-{recent.pk}" class="eligibility-row later"', page)
    assert recent.earliest_repair_date.isoformat() in page
    assert re.search(rf'id="record-{revoked_licence.pk}" class="eligibility-row never"', page)
    assert "吊销许可证件" in page
    assert f'id="apply-record-{old_fine.pk}"' not in page  # only the enterprise's own account may apply


def test_the_enterprises_own_account_gets_an_apply_link(as_user, account, enterprise, old_fine):
    page = html(as_user(account).get(reverse("remedies:eligibility", args=[enterprise.uscc])))
    assert f'href="/account/repair/apply/record/{old_fine.pk}/"' in page


def test_an_unknown_code_is_not_found(client):
    assert client.get("/enterprises/91330106MA00000000/repair/").status_code == 404


# -- the enterprise applies --------------------------------------------------------------------------------
def test_the_enterprise_applies_through_the_form(as_user, media_root, account, old_fine):
    client = as_user(account)
    url = reverse("remedies:apply", args=["record", old_fine.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "statement": "罚款已缴清。",
            "commitment_letter": upload("承诺书.pdf", PDF),
            "proof_of_performance": [upload("收据1.pdf", PDF), upload("收据2.png", png_bytes(), "image/png")],
        },
    )
    application = RepairApplication.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/account/repair/{application.pk}/"
    assert application.materials.count() == 3
    mine = html(client.get(reverse("remedies:mine")))
    assert f'id="application-{application.pk}"' in mine


def test_a_disguised_file_is_refused_by_the_form(as_user, media_root, account, old_fine):
    client = as_user(account)
    response = client.post(
        reverse("remedies:apply", args=["record", old_fine.pk]),
        {
            "statement": "罚款已缴清。",
            "commitment_letter": upload("承诺书.pdf", EXE),
            "proof_of_performance": upload("收据.png", HTML, "image/png"),
        },
    )
    assert response.status_code == 400
    assert 'id="id_commitment_letter_errors"' in html(response)
    assert 'id="id_proof_of_performance_errors"' in html(response)
    assert not RepairApplication.objects.exists()


def test_a_signed_in_person_without_an_enterprise_account_is_told_how_to_get_one(as_user, old_fine):
    response = as_user(UserFactory(username="passer_by")).get(
        reverse("remedies:apply", args=["record", old_fine.pk])
    )
    assert response.status_code == 403
    assert 'href="/account/claim/"' in html(response)


def test_an_enterprise_sees_only_its_own_applications_and_files(as_user, application, other_account):
    client = as_user(other_account)
    material = application.materials.first()
    assert client.get(reverse("remedies:my-application", args=[application.pk])).status_code == 404
    assert client.get(reverse("remedies:my-material", args=[material.pk])).status_code == 404
    assert client.get(reverse("remedies:material", args=[material.pk])).status_code == 404
    assert client.post(reverse("remedies:withdraw", args=[application.pk])).status_code == 404
    assert f'id="application-{application.pk}"' not in html(client.get(reverse("remedies:mine")))
    application.refresh_from_db()
    assert application.status == "submitted"


def test_an_enterprise_cannot_apply_for_another_enterprises_record(as_user, other_account, old_fine):
    response = as_user(other_account).post(
        reverse("remedies:apply", args=["record", old_fine.pk]),
        {"statement": "x", "commitment_letter": upload("a.pdf", PDF)},
    )
    assert response.status_code == 404


# -- files are reachable only with permission ----------------------------------------------------------------
def test_materials_are_served_as_attachments_to_those_allowed(
    client,
    as_user,
    application,
    account,
    reviewer,
    clerk,
    registry_admin,
    other_clerk,
):
    material = application.materials.get(kind="commitment_letter")
    url = reverse("remedies:material", args=[material.pk])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (reviewer, clerk, registry_admin, account):
        response = as_user(user).get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
    assert as_user(other_clerk).get(url).status_code == 404


def test_no_url_serves_the_media_directory(client, application):
    material = application.materials.first()
    for path in (
        f"/media/{material.file.name}",
        f"/{material.file.name}",
        f"/static/../{material.file.name}",
    ):
        response = client.get(path)
        assert response.status_code == 404
        assert PDF not in response.content


# -- the desk decides --------------------------------------------------------------------------------------
def test_the_reviewer_approves_and_the_record_leaves_the_credit_page(
    as_user,
    application,
    reviewer,
    old_fine,
    enterprise,
):
    client = as_user(reviewer)
    credit_page = reverse("lookup:enterprise", args=[enterprise.uscc])
    assert old_fine.document_number in html(client.get(credit_page))
    assert f'id="application-{application.pk}"' in html(client.get(reverse("remedies:queue")))
    detail = client.get(reverse("remedies:application", args=[application.pk]))
    assert 'id="decide-form"' in html(detail)
    response = client.post(
        reverse("remedies:decide", args=[application.pk]), {"decision": "reject", "reason": ""}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("remedies:decide", args=[application.pk]), {"decision": "approve", "reason": "已履行处罚。"}
    )
    assert response.status_code == 302
    assert old_fine.document_number not in html(client.get(credit_page))


def test_the_enterprise_sees_the_decision(as_user, application, reviewer, account):
    repair.repair_reject(actor=reviewer, application=application, reason="缺少罚款缴纳凭证原件。")
    page = html(as_user(account).get(reverse("remedies:my-application", args=[application.pk])))
    assert 'id="decision"' in page and "缺少罚款缴纳凭证原件。" in page
    assert "reviewer" not in page  # the agency decides; the reviewer's account name is not shown


def test_a_clerk_of_another_agency_cannot_see_or_decide(as_user, application, other_clerk):
    client = as_user(other_clerk)
    assert client.get(reverse("remedies:application", args=[application.pk])).status_code == 404
    response = client.post(
        reverse("remedies:decide", args=[application.pk]), {"decision": "approve", "reason": "同意"}
    )
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_clerk_of_the_agency_sees_but_cannot_decide(as_user, application, clerk):
    client = as_user(clerk)
    assert 'id="decide-form"' not in html(client.get(reverse("remedies:application", args=[application.pk])))
    response = client.post(
        reverse("remedies:decide", args=[application.pk]), {"decision": "approve", "reason": "同意"}
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == "submitted"


def test_the_overdue_queue(as_user, application, reviewer):
    client = as_user(reviewer)
    url = reverse("remedies:queue") + "?overdue=1"
    assert f'id="application-{application.pk}"' not in html(client.get(url))
    RepairApplication.objects.filter(pk=application.pk).update(
        decide_by=timezone.localdate() - dt.timedelta(days=2)
    )
    page = html(client.get(url))
    assert f'id="application-{application.pk}" class="is-overdue"' in page


# -- objections ------------------------------------------------------------------------------------------
def objection_form(**overrides):
    data = {"objector_name": "李四", "contact": "li@example.com", "reason": "该处罚已被法院判决撤销。"}
    data.update(overrides)
    return data


def test_anyone_objects_and_follows_the_objection(client, old_fine, media_root):
    url = reverse("remedies:object-record", args=[old_fine.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, objection_form(evidence=upload("判决书.pdf", PDF)))
    objection = Objection.objects.get()
    follow = reverse("remedies:follow", args=[objection.reference])
    assert response.status_code == 303 and response["Location"] == follow  # post/redirect/get
    page = client.get(follow)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and page["Referrer-Policy"] == "same-origin"
    key = re.search(r'id="objection-key" class="code">([^<]+)<', html(page)).group(1)
    assert selectors.objection_follow_get(reference=objection.reference, key=key) == objection
    assert objection.decide_by.isoformat() in html(page)


def test_the_objection_form_refuses_a_disguised_file(client, old_fine, media_root):
    response = client.post(
        reverse("remedies:object-record", args=[old_fine.pk]),
        objection_form(evidence=upload("evidence.png", HTML, "image/png")),
    )
    assert response.status_code == 400
    assert 'id="id_evidence_errors"' in html(response)
    assert not Objection.objects.exists()


def test_the_objection_form_is_rate_limited_per_address(client, settings, old_fine, monkeypatch):
    from registry import throttling

    monkeypatch.setattr(throttling, "now", lambda: 1_800_000_100.0)  # 100 s into an hour's window
    settings.OBJECTION_RATE_PER_HOUR = 2
    url = reverse("remedies:object-record", args=[old_fine.pk])
    responses = [client.post(url, objection_form()) for _ in range(3)]
    assert [r.status_code for r in responses] == [303, 303, 429]
    # The limiter's own wait: the rest of this hour, then half the next, till two tries weigh one.
    assert responses[-1]["Retry-After"] == str(3500 + 1800)
    assert Objection.objects.count() == 2
    other = client.post(url, objection_form(), REMOTE_ADDR="10.0.0.8")
    assert other.status_code == 303


def test_a_record_that_is_not_public_has_no_objection_form(client, clerk, market_agency, enterprise):
    from sanctions.records.services import record_create
    from tests.sanctions.payloads import penalty_data

    draft, _ = record_create(
        actor=clerk, agency=market_agency, kind="penalty", data=penalty_data(market_agency, enterprise)
    )
    assert client.get(reverse("remedies:object-record", args=[draft.pk])).status_code == 404


def test_the_source_agency_decides_on_the_desk_and_the_objector_is_written_to(
    as_user, old_fine, clerk, registry_admin, other_clerk, mailoutbox, django_capture_on_commit_callbacks
):
    objection, key = objections.objection_submit(
        objector_name="李四", contact="li@example.com", reason="有误", record=old_fine
    )
    assert as_user(other_clerk).get(reverse("remedies:objection", args=[objection.pk])).status_code == 404
    admin = as_user(registry_admin)
    assert 'id="forward"' in html(admin.get(reverse("remedies:objection", args=[objection.pk])))
    admin.post(reverse("remedies:objection-forward", args=[objection.pk]))
    objection.refresh_from_db()
    assert objection.status == "forwarded"
    client = as_user(clerk)
    queue = html(client.get(reverse("remedies:objections")))
    assert f'id="objection-{objection.pk}"' in queue and objection.decide_by.isoformat() in queue
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("remedies:objection-decide", args=[objection.pk]),
            {"outcome": "upheld", "reason": "经核实无误。"},
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    objection.refresh_from_db()
    assert objection.status == "upheld"
    follow = html(
        client.get(reverse("remedies:follow", args=[objection.reference]) + f"?key={key}", follow=True)
    )
    assert 'id="outcome"' in follow and "经核实无误。" in follow


def test_the_source_agency_corrects_the_record_through_the_record_form(as_user, old_fine, clerk):
    objection, _key = objections.objection_submit(
        objector_name="李四", contact="13800138000", reason="罚款金额有误", record=old_fine
    )
    client = as_user(clerk)
    url = reverse("remedies:objection-correct", args=[objection.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="fine_amount"' in html(page)
    data = {name: value for name, value in page.context["form"].initial.items() if value not in (None, "")}
    data.update(
        {
            "fine_amount": "0.5",
            "reason": "罚款金额录入错误。",
            "penalty_categories": old_fine.penalty_categories,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, html(response)
    objection.refresh_from_db()
    assert objection.status == "corrected"
    assert old_fine.next_version.status == "submitted"


def test_evidence_is_for_the_source_agencys_staff_only(
    client,
    as_user,
    old_fine,
    clerk,
    other_clerk,
    media_root,
):
    objection, _key = objections.objection_submit(
        objector_name="李四",
        contact="li@example.com",
        reason="有误",
        record=old_fine,
        evidence=[upload("判决书.pdf", PDF)],
    )
    evidence = objection.evidence.get()
    url = reverse("remedies:evidence", args=[evidence.pk])
    assert client.get(url).status_code == 302
    assert as_user(other_clerk).get(url).status_code == 404
    response = as_user(clerk).get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")


# -- commitments -----------------------------------------------------------------------------------------
def test_a_clerk_records_a_commitment_and_records_its_breach(as_user, clerk, enterprise):
    client = as_user(clerk)
    response = client.post(
        reverse("remedies:commitment-new"),
        {
            "enterprise_uscc": enterprise.uscc,
            "kind": "notification",
            "content": "承诺30日内补交材料。",
            "legal_basis": "国办发〔2020〕42号",
            "signed_on": days_ago(40),
            "due_date": days_ago(10),
        },
    )
    commitment = Commitment.objects.get()
    assert response.status_code == 302
    assert f'id="commitment-{commitment.pk}" class="is-overdue"' in html(
        client.get(reverse("remedies:commitments") + "?overdue=1")
    )
    response = client.post(
        reverse("remedies:commitment-decide", args=[commitment.pk]),
        {"outcome": "breached", "breached_on": days_ago(5), "note": "逾期未补交。"},
    )
    commitment.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("sanctions:record", args=[commitment.breach_record_id])
    assert list(selectors.public_commitments_for(enterprise=enterprise)) == [commitment]


def test_a_clerk_of_another_agency_cannot_see_a_commitment(
    as_user, clerk, other_clerk, market_agency, enterprise
):
    commitment = commitments.commitment_record(
        actor=clerk,
        agency=market_agency,
        enterprise=enterprise,
        kind="voluntary",
        content="自愿承诺守法经营。",
        legal_basis="自愿",
        signed_on=timezone.localdate(),
    )
    client = as_user(other_clerk)
    assert client.get(reverse("remedies:commitment", args=[commitment.pk])).status_code == 404
    assert (
        client.post(
            reverse("remedies:commitment-decide", args=[commitment.pk]), {"outcome": "fulfilled"}
        ).status_code
        == 404
    )
