"""Personal data on public pages (docs/domain.md §2): one policy, applied by the credit page, the
public API and the PDF report alike.

- ID numbers and phone numbers written in free text are masked wherever they occur;
- a natural-person party is named only in part, in its field and in the free text;
- the legal representative of a registered entity is a registration fact: shown in full, the same
  in the registration block and in a record, and their ID number never.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json

import pytest
from django.core.cache import cache
from pypdf import PdfReader

from registry.personal_data import resident_id_check
from sanctions.lists import services as lists
from sanctions.models import ListKind
from sanctions.remedies import commitments
from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.django_db]

ID_NUMBER = "33010619850312123" + resident_id_check("33010619850312123")
PASSPORT = "E98765432"
MOBILE = "13812345678"
LANDLINE = "0571-87654321"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory(name="杭州西湖小吃店", legal_representative="王小明")


def outputs(client, api, enterprise) -> dict[str, str]:
    """What the public gets: the credit page, the API's records and listings, the PDF's text."""
    page = html.unescape(
        client.get(f"/enterprises/{enterprise.uscc}/", HTTP_COOKIE="django_language=en").content.decode()
    )
    base = f"/api/v1/public/enterprises/{enterprise.uscc}"
    records = json.dumps(api.get(f"{base}/records/").json(), ensure_ascii=False)
    listings = json.dumps(api.get(f"{base}/listings/").json(), ensure_ascii=False)
    pdf = client.get(f"/enterprises/{enterprise.uscc}/report.pdf", HTTP_COOKIE="django_language=en").content
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return {"page": page, "api": records + listings, "pdf": "".join(text.split())}


def test_a_natural_person_party_is_masked_in_every_field_and_in_the_free_text(
    client, api, enterprise, publish
):
    publish(
        enterprise,
        document_number="NP-1",
        party_category="natural_person",
        party_name="张三丰",
        legal_representative="",
        legal_rep_id_type="passport",
        legal_rep_id_number=PASSPORT,
        violation_facts=f"当事人张三丰（公民身份号码{ID_NUMBER}，护照{PASSPORT}）在店内销售过期食品，联系电话{MOBILE}。",
        legal_basis="《中华人民共和国食品安全法》第一百二十四条",
        content=f"张三丰：罚款人民币五万元，没收违法所得13800元；送达电话{LANDLINE}",
    )
    for where, text in outputs(client, api, enterprise).items():
        for secret in ("张三丰", ID_NUMBER, PASSPORT, MOBILE, "87654321"):
            assert secret not in text, (where, secret)
        assert "张*丰" in text, where
        assert "3301**************" in text and "138****5678" in text and "0571-****4321" in text, where
        # What is not personal data stays as written.
        assert "NP-1" in text and "13800" in text and "第一百二十四条" in text, where


def test_the_legal_representative_is_one_registration_fact_shown_the_same_everywhere(
    client, api, enterprise, publish
):
    publish(
        enterprise,
        document_number="LP-1",
        legal_representative="王小明",
        legal_rep_id_number=ID_NUMBER,
        violation_facts=(
            f"当事人（统一社会信用代码{enterprise.uscc}）法定代表人王小明，身份证号{ID_NUMBER}，"
            f"于2026年5月12日销售不合格产品，货值20260512元以下。"
        ),
    )
    found = outputs(client, api, enterprise)
    for where, text in found.items():
        assert ID_NUMBER not in text, where  # never, structured or free
        assert "王小明" in text and "王*明" not in text, where  # in full, as registered
        assert enterprise.uscc in text, where  # a code is not an ID number
    page = found["page"]
    registration = page[page.index('id="reg-title"') : page.index('id="code-title"')]
    assert "王小明" in registration
    assert found["pdf"].count("王小明") >= 2  # the registration block and the record


def test_listing_grounds_and_commitments_are_masked_too(
    client, api, enterprise, clerk, reviewer, market_agency
):
    entry = lists.listing_create(
        actor=clerk,
        agency=market_agency,
        enterprise=enterprise,
        list_kind=ListKind.objects.get(code="abnormal"),
        data={
            "grounds": f"通过登记的住所无法联系（登记电话{MOBILE}无人接听）",
            "legal_basis": "《市场主体登记管理条例》",
            "document_number": "异常-7",
            "start_date": dt.date.today() - dt.timedelta(days=1),
        },
        submit=True,
    )
    lists.listing_publish(actor=reviewer, listing=entry)
    commitments.commitment_record(
        actor=clerk,
        agency=market_agency,
        enterprise=enterprise,
        kind="notification",
        content=f"承诺三个月内补交材料，联系人手机{MOBILE}",
        legal_basis="告知承诺制",
        signed_on=dt.date.today(),
    )
    found = outputs(client, api, enterprise)
    for where, text in found.items():
        assert MOBILE not in text, where
        assert "138****5678" in text, where
    assert "异常-7" in found["pdf"] and "异常-7" in found["api"]


def test_the_lists_page_and_an_objection_s_page_mask_the_same(
    client, enterprise, clerk, reviewer, market_agency, publish
):
    """The public pages that sanctions renders itself use the same rules."""
    from sanctions.remedies import objections

    entry = lists.listing_create(
        actor=clerk,
        agency=market_agency,
        enterprise=enterprise,
        list_kind=ListKind.objects.get(code="abnormal"),
        data={
            "grounds": f"登记电话{MOBILE}无人接听",
            "legal_basis": "《市场主体登记管理条例》",
            "document_number": "异常-8",
            "start_date": dt.date.today() - dt.timedelta(days=1),
        },
        submit=True,
    )
    lists.listing_publish(actor=reviewer, listing=entry)
    page = client.get("/credit-system/lists/abnormal/").content.decode()
    assert "异常-8" in page or enterprise.name in page
    assert MOBILE not in page and "138****5678" in page

    record = publish(enterprise, document_number="NP-9", party_category="natural_person", party_name="张三丰")
    objection, key = objections.objection_submit(
        objector_name="张三丰", contact="zhang@example.com", reason="并非本人。", record=record
    )
    followed = client.get(f"/objections/{objection.reference}/?key={key}", follow=True).content.decode()
    assert objection.reference in followed and "NP-9" in followed
    assert "NP-9 · 张*丰" in followed
