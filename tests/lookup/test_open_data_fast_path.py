"""The open data export's fast path (``lookup.opendata``: records read as plain values, cells and lines
written in blocks, masking that skips text with no number in it) gives what the per-row rules give:
``public_record_fields`` of the ORM's record, ``safe_row(csv_cell(…))``, ``json.dumps``, and the full
scan of ``find_personal_data``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random

import pytest
from django.utils import timezone

from lookup.masking import public_record_fields
from lookup.opendata.datasets import record_column, record_fields, record_rows
from lookup.opendata.export import csv_cell, csv_cells, row_digest
from lookup.opendata.export.formats import _json_line
from registry.csv_safety import safe_row
from registry.personal_data import find_personal_data, mask_personal_data
from sanctions.records import services
from sanctions.records.selectors import public_records
from tests.factories import EnterpriseFactory
from tests.sanctions.payloads import licence_data, penalty_data

pytestmark = [pytest.mark.django_db]

TODAY = timezone.localdate()
TRICKY = 'a, "quoted" text,\nover two lines; 中文，带逗号"引号"'


def _publish(clerk, reviewer, agency, kind, data):
    record, _ = services.record_create(actor=clerk, agency=agency, kind=kind, data=data)
    services.record_submit(actor=clerk, record=record)
    return services.record_publish(actor=reviewer, record=record)


@pytest.fixture
def records(clerk, reviewer, market_agency):
    company = EnterpriseFactory(name="杭州西湖建设工程有限公司")
    other = EnterpriseFactory(name="宁波港口物流有限公司")
    made = [
        _publish(clerk, reviewer, market_agency, "penalty", penalty_data(market_agency, company)),
        _publish(
            clerk,
            reviewer,
            market_agency,
            "penalty",
            penalty_data(
                market_agency,
                company,
                document_number="PERSON-1",
                party_category="natural_person",
                party_name="欧阳小明",
                legal_representative="欧阳小明",
                legal_rep_id_number="330106199001011234",
                violation_facts="欧阳小明（身份证330106199001011234）经营，电话 138-1234-5678，座机（０５７１）８７６５４３２１",
                content=TRICKY,
                fine_amount="12.50",
                confiscated_amount=None,
            ),
        ),
        _publish(
            clerk,
            reviewer,
            market_agency,
            "penalty",
            penalty_data(
                market_agency,
                other,
                document_number="FORMULA-1",
                violation_type="=1+1",
                violation_facts="",
                legal_basis="－全角减号开头",
                content="联系手机＋８６ １３９ ８７６５ ４３２１",
                penalty_categories=["fine", "warning"],
            ),
        ),
        _publish(
            clerk,
            reviewer,
            market_agency,
            "licence",
            licence_data(market_agency, company, document_number="LIC-1", content=TRICKY),
        ),
    ]
    revoked = _publish(
        clerk, reviewer, market_agency, "penalty", penalty_data(market_agency, other, document_number="REV-1")
    )
    services.record_revoke(actor=reviewer, record=revoked, reason="复议撤销")
    old = (TODAY - dt.timedelta(days=365 * 6)).isoformat()
    _publish(
        clerk,
        reviewer,
        market_agency,
        "penalty",
        penalty_data(market_agency, other, document_number="EXPIRED-1", decision_date=old),
    )
    return made


@pytest.mark.parametrize("kind", ["penalty", "licence"])
def test_exported_records_are_the_per_row_masking_of_the_orm_records(records, kind):
    expected = []
    ordered = (
        public_records(today=TODAY).filter(kind=kind).select_related("agency", "publicity_rule", "enterprise")
    )
    for record in ordered.order_by("record_key"):
        public = public_record_fields(record)
        values = {
            "record_key": public["record_key"],
            "version": public["version"],
            "uscc": record.enterprise.uscc,
        }
        values.update({record_column(kind, f): public.get(f) for f in record_fields(kind)})
        expected.append((public["record_key"], values))
    got = [(key, values) for key, _ids, values in record_rows(kind)(TODAY)]
    assert got == expected
    assert len(got) == (3 if kind == "penalty" else 1)  # neither the revoked nor the expired one
    shown = json.dumps([v for _k, v in got], ensure_ascii=False)
    assert TRICKY in shown or json.dumps(TRICKY, ensure_ascii=False)[1:-1] in shown
    if kind != "penalty":
        return
    assert "欧**明" in shown and "欧阳小明" not in shown
    assert "330106199001011234" not in shown and "138-1234-5678" not in shown
    assert "８７６５４３２１" not in shown and "８７６５ ４３２１" not in shown


def test_csv_cells_and_lines_are_what_the_per_row_rules_write():
    values = {
        "a": None,
        "b": "",
        "c": "=HYPERLINK(1)",
        "d": "＋86",
        "e": TRICKY,
        "f": ["fine", "warning"],
        "g": ["=x", "y"],
        "h": [{"name": "张*", "role": "董事"}],
        "i": {"z": 1, "a": "中"},
        "j": True,
        "k": False,
        "l": 0,
        "m": -5,
        "n": "\t=tab",
        "o": "中文",
        "p": [],
    }
    header = [*values, "missing"]
    assert csv_cells(values, header) == safe_row([csv_cell(values.get(c)) for c in header])
    out = io.StringIO()
    csv.writer(out).writerow(csv_cells(values, header))
    assert next(csv.reader(io.StringIO(out.getvalue())))[4] == TRICKY
    assert _json_line(values) == json.dumps(values, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert row_digest(values) == row_digest(dict(reversed(values.items())))  # keys sorted


def _texts(seed: int, count: int) -> list[str]:
    pieces = [
        "1",
        "3",
        "8",
        "0",
        "5",
        "７",
        "１",
        "３",
        " ",
        "-",
        "－",
        "+86",
        "(",
        ")",
        "电话",
        "元",
        "号",
        "a",
        "中",
        "，",
    ]
    rng = random.Random(seed)
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(count)]


@pytest.mark.parametrize(
    "text",
    [
        "138 1234 5678",
        "+86 139-8765-4321",
        "１３８１２３４５６７８",
        "电话：8765432",
        "（０５７１）８７６５４３２１",
        "330106199001011234",
        "3301 0619 9001 0112 34",
        "罚款5元",
        "",
    ],
)
def test_masking_that_skips_text_without_four_digits_finds_what_the_full_scan_finds(text):
    # A name that cleans to nothing turns the shortcut off and finds nothing itself: the full scan.
    assert find_personal_data(text) == find_personal_data(text, names=("",))


def test_masking_shortcut_on_random_digit_texts():
    for text in _texts(7, 4000):
        assert find_personal_data(text) == find_personal_data(text, names=("",)), text
        assert mask_personal_data(text) == mask_personal_data(text, names=("",)), text
