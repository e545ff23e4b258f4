"""Personal data in free text: what is found (ID numbers, phone numbers, names the record gives) and
what is left alone (unified social credit codes, registration numbers, document numbers, amounts,
dates), on real-looking text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from registry.personal_data import (
    IDENTIFIER,
    NAME,
    PHONE,
    RESIDENT_ID,
    find_personal_data,
    is_old_resident_id,
    is_registration_number,
    is_resident_id,
    mask_person_name,
    mask_personal_data,
    resident_id_check,
)

TODAY = dt.date(2026, 5, 12)
DATA = Path(__file__).parent / "data"


def resident_id(first17: str) -> str:
    return first17 + resident_id_check(first17)


def registration_number(first14: str) -> str:
    """A 15-digit business registration number with its ISO 7064 MOD 11,10 check digit."""
    return next(first14 + d for d in "0123456789" if is_registration_number(first14 + d))


# Real-looking resident ID numbers: a real division, a real birth date, the GB 11643 check.
ID_ZJ = resident_id("33010619850312123")  # 杭州市西湖区, 1985-03-12
ID_BJ = resident_id("11010519900101002")  # 北京市朝阳区
ID_X = next(i for n in range(1000) if (i := resident_id(f"44030519880808{n:03d}")).endswith("X"))
OLD_ID = "330106850312123"  # 15 digits: 1985-03-12


def found(text: str, **kwargs) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in find_personal_data(text, today=TODAY, **kwargs)]


def test_the_check_character_of_a_published_example():
    # GB 11643's own worked example.
    assert resident_id_check("11010519491231002") == "X"
    assert is_resident_id("11010519491231002X", today=TODAY)
    assert not is_resident_id("110105194912310021", today=TODAY)  # wrong check


def test_an_id_number_is_checked_for_place_birth_date_and_check_character():
    assert is_resident_id(ID_ZJ, today=TODAY) and is_resident_id(ID_X.lower(), today=TODAY)
    assert not is_resident_id("99" + ID_ZJ[2:], today=TODAY)  # no such province
    assert not is_resident_id(resident_id("33010619851332123"), today=TODAY)  # 13th month
    assert not is_resident_id(resident_id("33010620300101123"), today=TODAY)  # born in the future
    assert is_old_resident_id(OLD_ID, today=TODAY)
    assert not is_old_resident_id(
        "330106000123456", today=TODAY
    )  # born 1900: a registration number's sequence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"当事人身份证号：{ID_ZJ}，住杭州市", [(RESIDENT_ID, ID_ZJ)]),
        (f"公民身份号码{ID_X}。", [(RESIDENT_ID, ID_X)]),
        (f"经查{ID_BJ.lower()}", [(RESIDENT_ID, ID_BJ.lower())]),
        (
            f"身份证 {ID_ZJ[:6]} {ID_ZJ[6:14]} {ID_ZJ[14:]} 的当事人",
            [(RESIDENT_ID, f"{ID_ZJ[:6]} {ID_ZJ[6:14]} {ID_ZJ[14:]}")],
        ),
        (
            "身份证" + ID_ZJ.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            [(RESIDENT_ID, ID_ZJ.translate(str.maketrans("0123456789", "０１２３４５６７８９")))],
        ),
        (f"旧身份证号码{OLD_ID}", [(RESIDENT_ID, OLD_ID)]),
        (f"当事人{OLD_ID}于", [(RESIDENT_ID, OLD_ID)]),
        ("联系电话13812345678。", [(PHONE, "13812345678")]),
        ("手机：138-1234-5678，", [(PHONE, "138-1234-5678")]),
        ("+86 139 0571 1234", [(PHONE, "+86 139 0571 1234")]),
        ("固定电话0571-87654321转806", [(PHONE, "0571-87654321转806")]),
        ("电话（010）62345678", [(PHONE, "（010）62345678")]),
        ("座机：87654321", [(PHONE, "87654321")]),
    ],
)
def test_personal_data_is_found(text, expected):
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "统一社会信用代码91330106MA2KXXXX3L（不合法也不是身份证）",
        "罚款人民币50000元，没收违法所得13800元。",
        "罚款人民币13000000000元",  # 130亿: an amount, not a mobile number
        "决定书文号：杭市监罚〔2026〕101号；浙杭市监处字〔2026〕0571001号",
        "于2026年5月12日、20260512、2026-05-12作出决定",
        "许可证编号JY23301060001，证书编号：330106199001011234（许可证号）",
        "营业执照注册号330106000123456",
        "案值12345678元，涉及产品1380000件",
        "第13812345678号",
    ],
)
def test_numbers_that_are_not_personal_data_are_left_alone(text):
    assert found(text) == []


def test_no_real_unified_social_credit_code_is_taken_for_an_id_number():
    codes = [
        line.strip()
        for line in (DATA / "uscc_real_valid.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(codes) > 300 and any(code.isdigit() for code in codes)  # all-digit codes among them
    for code in codes:
        for text in (code, f"统一社会信用代码：{code}", f"当事人（{code}）于2026年"):
            assert found(text) == [], (code, text)


def test_an_all_digit_code_that_is_also_a_valid_id_number_follows_what_the_text_calls_it():
    # A real shape: a market-regulation code whose digits also pass the ID checks cannot be told
    # apart by its digits; 9 is no province, so it is a code unless the text says otherwise.
    from registry import uscc

    def candidates():
        # 9 1 110119 (北京市延庆区) + an organisation code whose first six digits read as a birth date.
        for yy in range(50, 100):
            for mmdd in ("0312", "0808", "1130"):
                for tail in range(100):
                    org8 = f"{yy}{mmdd}{tail:02d}"
                    first17 = "91110119" + org8 + uscc.organization_check(org8)
                    yield first17 + uscc.check_character(first17)

    code = next(c for c in candidates() if c.isdigit() and is_resident_id(c, today=TODAY))
    assert uscc.is_valid(code)
    assert found(f"代码{code}") == [] and found(code) == []
    assert found(f"身份证号{code}") == [(RESIDENT_ID, code)]
    # A code the record itself names (its party's USCC) is never an ID number.
    beijing = ID_BJ
    assert found(f"当事人{beijing}") == [(RESIDENT_ID, beijing)]
    assert found(f"当事人{beijing}", codes=[beijing]) == []


def test_fifteen_digit_registration_numbers_are_not_old_id_numbers():
    number = registration_number("33010685031212")  # looks like a birth date 1985-03-12
    assert is_old_resident_id(number, today=TODAY)
    assert found(f"当事人{number}") == []
    assert found(f"身份证号码：{number}") == [(RESIDENT_ID, number)]


def test_names_the_record_gives_are_found_wherever_they_occur():
    text = "经查，张三丰于2026年在其经营场所销售过期食品，张三丰对违法事实无异议。"
    assert found(text, names=["张三丰"]) == [(NAME, "张三丰"), (NAME, "张三丰")]
    assert found(text, names=["张 三 丰"]) == [(NAME, "张三丰"), (NAME, "张三丰")]
    assert found(text, names=["王"]) == []  # one character is everywhere
    assert found("Anna Li sold it; ANNA  LI agreed. Annaliese did not.", names=["Anna Li"]) == [
        (NAME, "Anna Li"),
        (NAME, "ANNA  LI"),
    ]


def test_a_known_identity_document_number_is_found_as_written():
    assert found("护照号码E12345678，", identifiers=["E12345678"]) == [(IDENTIFIER, "E12345678")]
    assert found("编号E123456789", identifiers=["E12345678"]) == []  # part of a longer code


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"身份证号{ID_ZJ}。", "身份证号3301**************。"),
        ("电话13812345678", "电话138****5678"),
        ("+86 139 0571 1234", "+86 139 **** 1234"),
        ("0571-87654321转806", "0571-****4321转806"),
        ("座机：87654321", "座机：******21"),
        ("张三丰对违法事实无异议", "张*丰对违法事实无异议"),
        ("罚款50000元", "罚款50000元"),
        ("", ""),
    ],
)
def test_masking(text, masked):
    assert mask_personal_data(text, names=["张三丰"], today=TODAY) == masked


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三丰", "张*丰"),
        ("张三", "张*"),
        ("欧阳小明", "欧**明"),
        ("王", "*"),
        ("", ""),
        ("Anna Li", "A*** L*"),
    ],
)
def test_one_masking_of_a_person_s_name(name, masked):
    from lookup.badges.verification import mask_name
    from lookup.masking import mask_person_name as public_mask

    assert mask_person_name(name) == public_mask(name) == mask_name(name) == masked
