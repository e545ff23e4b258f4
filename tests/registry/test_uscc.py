"""The USCC rules of GB 32100-2015 against real codes and every single-character corruption."""

from pathlib import Path

import pytest
from django.utils import translation

from registry import uscc

DATA = Path(__file__).parent / "data"


def _codes(name: str) -> list[str]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


REAL = _codes("uscc_real_valid.txt")
LEGACY = _codes("uscc_real_legacy_invalid.txt")


def test_the_real_code_list_is_the_full_one():
    assert len(REAL) > 380


@pytest.mark.parametrize("code", REAL)
def test_every_real_code_is_valid(code):
    assert uscc.analyse(code).errors == []


def test_every_substitution_and_adjacent_transposition_of_a_real_code_is_rejected():
    accepted = []
    for code in REAL:
        for i in range(18):
            for ch in uscc.ALPHABET + "IOSVZ":
                if ch != code[i] and uscc.is_valid(code[:i] + ch + code[i + 1 :]):
                    accepted.append(code[:i] + ch + code[i + 1 :])
            if i < 17 and code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
                if uscc.is_valid(swapped):
                    accepted.append(swapped)
    assert accepted == []


@pytest.mark.parametrize("code", LEGACY)
def test_legacy_fujian_codes_are_well_formed_but_fail_the_check(code):
    analysis = uscc.analyse(code)
    assert not analysis.is_valid
    assert analysis.is_well_formed
    assert [e.code for e in analysis.errors] == ["check"]


@pytest.mark.parametrize(
    "typed",
    [
        "91110000600037341l",
        " 91 110000 600037341L ",
        "91-110000-600037341L",
        "９１１１００００６０００３７３４１Ｌ",
    ],
)
def test_codes_as_people_type_them_are_accepted(typed):
    analysis = uscc.analyse(typed)
    assert analysis.is_valid
    assert analysis.normalized == "91110000600037341L"


@pytest.mark.parametrize("authority", ["A", "N", "Y"])
def test_authorities_a_n_y_are_legitimate(authority):
    code = uscc.make_code(authority=authority, category="1", division="110000", organization="MA1B2C3D")
    assert uscc.is_valid(code), uscc.analyse(code).errors
    assert authority in uscc.AUTHORITIES


@translation.override("en")
def test_messages_say_what_is_wrong_and_where():
    too_short = uscc.analyse("9111000060003734")
    assert too_short.errors[0].code == "length"
    assert "16" in too_short.errors[0].message

    letter_o = uscc.analyse("91110000600O37341L")
    assert any(e.code == "character" and e.position == 12 for e in letter_o.errors)

    division = uscc.analyse("9111A000600037341L")
    assert any(e.code == "division" and e.position == 5 for e in division.errors)

    check = uscc.analyse("91110000600037341M")
    assert check.errors[0].code == "check"
    assert "“L”" in check.errors[0].message and check.expected_check == "L"


@translation.override("en")
def test_a_wrong_embedded_organisation_code_is_named():
    valid = "91110000600037341L"
    broken_org = valid[:16] + "2"
    broken = broken_org + uscc.check_character(broken_org)
    errors = uscc.analyse(broken).errors
    assert [e.code for e in errors] == ["org_check"]
    assert "“1”" in errors[0].message


@translation.override("en")
def test_parts_of_a_code():
    analysis = uscc.analyse("91330106MA2CDEF12X")
    assert analysis.authority == "9" and analysis.category == "1"
    assert analysis.division_code == "330106"
    assert analysis.organization_code == "MA2CDEF12"
    assert uscc.category_name("91") == "Enterprise"
    assert uscc.format_display("91110000600037341L") == "91 110000 600037341 L"
