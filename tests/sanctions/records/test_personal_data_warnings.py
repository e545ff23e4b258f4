"""The clerk is warned — not refused — when a record's free text holds personal data: on the desk
form and the record's page, in the records API's answer, and on an import's page, row by row."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from registry.personal_data import resident_id_check
from sanctions.choices import RecordStatus
from sanctions.models import CreditRecord
from tests.factories import EnterpriseFactory
from tests.sanctions.payloads import penalty_data
from tests.sanctions.records.api.helpers import RECORDS, client_for
from tests.sanctions.records.desk.helpers import as_user, penalty_form
from tests.sanctions.records.importing.helpers import PENALTY_HEADERS, penalty_row, run_import, write_csv

pytestmark = pytest.mark.django_db

ID_NUMBER = "33010619850312123" + resident_id_check("33010619850312123")
FACTS = f"当事人经营者张三丰（身份证号{ID_NUMBER}，电话13812345678）在网店发布虚假广告。"


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory(name="杭州西湖测试网络科技有限公司")


def warning_box(content: str) -> str:
    found = re.search(r'id="personal-data-warning".*?</div>', content, re.S)
    return found.group(0) if found else ""


def test_the_desk_form_saves_and_the_record_page_warns(client, clerk, market_agency, enterprise):
    as_user(client, clerk)
    response = client.post(
        reverse("sanctions:record-new", args=["penalty"]),
        penalty_form(enterprise, market_agency, violation_facts=FACTS),
    )
    record = CreditRecord.objects.get()
    assert response.status_code == 302 and record.status == RecordStatus.DRAFT  # saved all the same
    box = warning_box(client.get(response["Location"]).content.decode())
    assert "Facts of the violation" in box
    assert "resident ID number" in box and "phone number" in box
    # Editing the draft shows it beside the form, with a link to the field.
    box = warning_box(client.get(reverse("sanctions:record-edit", args=[record.pk])).content.decode())
    assert 'href="#id_violation_facts"' in box and "a warning, not an error" in box


def test_a_form_sent_back_for_an_error_also_warns(client, clerk, market_agency, enterprise):
    as_user(client, clerk)
    response = client.post(
        reverse("sanctions:record-new", args=["penalty"]),
        penalty_form(enterprise, market_agency, violation_type="", content="罚款；联系人手机13812345678"),
    )
    assert response.status_code == 400
    box = warning_box(response.content.decode())
    assert 'href="#id_content"' in box and "phone number" in box and "resident ID" not in box


def test_a_natural_person_party_s_name_in_the_text_is_warned(client, clerk, market_agency, enterprise):
    as_user(client, clerk)
    page = client.post(
        reverse("sanctions:record-new", args=["penalty"]),
        penalty_form(
            enterprise,
            market_agency,
            party_category="natural_person",
            party_name="张三丰",
            violation_type="",  # refused, so the form comes back
            violation_facts="张三丰在网店发布虚假广告。",
        ),
    ).content.decode()
    assert "name of a natural person" in warning_box(page)


def test_clean_text_gets_no_warning(client, clerk, market_agency, enterprise):
    as_user(client, clerk)
    response = client.post(
        reverse("sanctions:record-new", args=["penalty"]), penalty_form(enterprise, market_agency)
    )
    assert warning_box(client.get(response["Location"]).content.decode()) == ""


def test_the_records_api_answers_with_warnings_and_saves(clerk, market_agency, enterprise):
    with translation.override("en"):
        response = client_for(clerk).post(
            RECORDS,
            {
                "kind": "penalty",
                **penalty_data(
                    market_agency, enterprise, violation_facts=FACTS, remarks="经办人电话0571-87654321"
                ),
            },
            format="json",
        )
    assert response.status_code == 201
    warnings = response.json()["warnings"]
    assert [(w["field"], w["code"]) for w in warnings] == [
        ("violation_facts", "personal_data"),
        ("remarks", "personal_data"),
    ]
    assert "resident ID number" in warnings[0]["message"] and "phone number" in warnings[1]["message"]
    clean = client_for(clerk).post(
        RECORDS,
        {"kind": "penalty", **penalty_data(market_agency, enterprise, document_number="CLEAN-1")},
        format="json",
    )
    assert clean.status_code == 201 and clean.json()["warnings"] == []


def test_the_import_page_lists_the_rows_whose_text_holds_personal_data(
    client, clerk, market_agency, tmp_path, django_capture_on_commit_callbacks
):
    acme = EnterpriseFactory(name="杭州西湖一号科技有限公司")
    a = market_agency
    rows = [
        PENALTY_HEADERS,
        penalty_row(a, acme, "杭市监罚〔2026〕1号"),  # row 2: clean
        penalty_row(a, acme, "杭市监罚〔2026〕2号", CF_NR=f"罚款五万元。当事人身份证{ID_NUMBER}"),  # row 3
        penalty_row(a, acme, "杭市监罚〔2026〕3号", CF_NR="罚款人民币13800000元"),  # row 4: an amount
        penalty_row(a, acme, "杭市监罚〔2026〕4号", CF_YJ="依据第二十条；联系电话13812345678"),  # row 5
    ]
    with translation.override("en"):
        batch = run_import(
            django_capture_on_commit_callbacks,
            actor=clerk,
            agency=a,
            path=write_csv(tmp_path / "records.csv", rows),
        )
    assert batch.created_count == 4  # a warning never stops a row
    as_user(client, clerk)
    page = client.get(f"/desk/imports/{batch.pk}/").content.decode()
    section = re.search(r'id="personal-data-rows".*?</section>', page, re.S).group(0)
    assert "2 rows hold personal data in their text" in section
    listed = re.findall(r'<th scope="row"[^>]*><div class="cell">(\d+)</div></th>', section)
    assert listed == ["3", "5"]
    assert "杭市监罚〔2026〕2号" in section and "resident ID number" in section
    assert "杭市监罚〔2026〕4号" in section and "phone number" in section
    assert "杭市监罚〔2026〕1号" not in section and "杭市监罚〔2026〕3号" not in section
