"""Fixtures of the import tests: messages in English, two registered enterprises, and a file mixing
good rows with one bad row of each kind (its good rows and errors are MIXED_GOOD and MIXED_ERRORS)."""

import datetime as dt

import pytest
from django.utils import translation

from tests.factories import EnterpriseFactory, enterprise_code
from tests.sanctions.records.importing.helpers import (
    DECIDED,
    PENALTY_HEADERS,
    bad_check,
    penalty_row,
    write_csv,
)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def acme():
    return EnterpriseFactory(uscc=enterprise_code(1), name="杭州西湖一号科技有限公司")


@pytest.fixture
def beta():
    return EnterpriseFactory(uscc=enterprise_code(2), name="杭州西湖二号贸易有限公司")


@pytest.fixture
def mixed_file(tmp_path, market_agency, acme, beta):
    """Good rows and one bad row of each kind a clerk-side check must catch."""
    a = market_agency
    rows = [
        PENALTY_HEADERS,
        penalty_row(a, acme, "杭市监罚〔2026〕1号"),  # 2 good
        penalty_row(a, bad_check(acme.uscc), "杭市监罚〔2026〕11号"),  # 3 wrong check character
        penalty_row(a, "00000000000000000X", "杭市监罚〔2026〕12号"),  # 4 placeholder code
        penalty_row(a, acme, "杭市监罚〔2026〕13号", CF_CFLB="罚金刑"),  # 5 unknown category
        penalty_row(
            a,
            acme,
            "杭市监罚〔2026〕14号",  # 6 publicity ends first
            CF_GSJZQ=(DECIDED - dt.timedelta(days=1)).isoformat(),
        ),
        penalty_row(a, acme, "杭市监罚〔2026〕15号", CF_NR_FK="500"),  # 7 keyed in yuan?
        penalty_row(a, beta, "杭市监罚〔2026〕2号", CF_CFLB="警告;罚款", CF_NR_FK="0.5"),  # 8 good
        penalty_row(a, beta, "杭市监罚〔2026〕1号"),  # 9 number of row 2 again
        penalty_row(a, acme, "杭市监罚〔2026〕16号", CF_WFXW=""),  # 10 required value missing
        [""] * len(PENALTY_HEADERS),  # 11 blank: skipped
        penalty_row(a, enterprise_code(99), "杭市监罚〔2026〕17号"),  # 12 not in the registry
        penalty_row(
            a,
            acme,
            " 杭市监罚〔2026〕3号 ",
            CF_CFLB="warning",
            CF_NR_FK="",  # 13 good
            CF_XDR_SHXYM=f"{acme.uscc[:2]} {acme.uscc[2:8]} {acme.uscc[8:]}".lower(),
        ),
    ]
    return write_csv(tmp_path / "penalties.csv", rows)
