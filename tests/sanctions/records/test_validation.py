"""The desk's rules for a record: with a file's memo (bulk import) exactly as without it."""

import pytest
from django.utils import translation

from sanctions.records.cells import penalty_category_lookup
from sanctions.records.validation import clean_record
from tests.factories import EnterpriseFactory, enterprise_code
from tests.sanctions.payloads import licence_data, penalty_data
from tests.sanctions.records.legacy import LEGACY_CODES, register_legacy, unflagged

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def acme():
    return EnterpriseFactory(uscc=enterprise_code(1), name="杭州西湖一号科技有限公司")


def _file_rows(agency, party):
    """Rows as a file gives them: every row has the file's columns, text values; some are bad."""
    rows = [
        penalty_data(agency, party, penalty_categories="罚款", document_number=f"杭市监罚〔2026〕{n}号")
        for n in range(1, 4)
    ]
    rows.append(penalty_data(agency, party, penalty_categories="罚金刑", fine_amount="abc"))
    rows.append(penalty_data(agency, party, penalty_categories="", party_uscc="00000000000000000X"))
    rows.append(penalty_data(agency, party, fine_amount="500", decision_date="2999-01-01"))
    rows.append(penalty_data(agency, party, legal_rep_id_type=None, party_name=None))
    return rows


@pytest.mark.parametrize("missing", [(), ("remarks", "severity"), ("legal_rep_id_type", "fine_amount")])
def test_a_files_rows_are_cleaned_with_the_memo_exactly_as_one_by_one(market_agency, acme, missing):
    categories = penalty_category_lookup()
    memo: dict = {}
    for row in _file_rows(market_agency, acme):
        for name in missing:
            row.pop(name, None)
        alone = clean_record(dict(row), kind="penalty", agency=market_agency, categories=categories)
        bulk = clean_record(dict(row), kind="penalty", agency=market_agency, categories=categories, memo=memo)
        assert bulk == alone


def test_a_field_the_file_lacks_is_cleaned_once_and_never_shared_between_rows(market_agency, acme):
    """penalty_categories is absent from a licence file: each row still gets a list of its own."""
    memo: dict = {}
    first, errors = clean_record(
        licence_data(market_agency, acme), kind="licence", agency=market_agency, memo=memo
    )
    first["penalty_categories"].append("fine")
    second, errors = clean_record(
        licence_data(market_agency, acme), kind="licence", agency=market_agency, memo=memo
    )
    assert (second["penalty_categories"], errors) == ([], {})


def test_a_rows_errors_do_not_leak_into_the_next_row(market_agency, acme):
    memo: dict = {}
    bad = penalty_data(market_agency, acme, fine_amount="abc")
    _cleaned, errors = clean_record(bad, kind="penalty", agency=market_agency, memo=memo)
    assert list(errors) == ["fine_amount"]
    _cleaned, errors = clean_record(
        penalty_data(market_agency, acme), kind="penalty", agency=market_agency, memo=memo
    )
    assert errors == {}


@pytest.mark.parametrize("code", LEGACY_CODES)
def test_a_code_registered_as_a_legacy_code_is_accepted_as_the_party(market_agency, registry_admin, code):
    enterprise = register_legacy(registry_admin, code)
    data = penalty_data(market_agency, enterprise, party_uscc=code.lower())

    cleaned, errors = clean_record(data, kind="penalty", agency=market_agency)

    assert errors == {}
    assert (cleaned["enterprise"].pk, cleaned["party_uscc"]) == (enterprise.pk, code)
    assert type(cleaned["party_uscc"]) is str


def test_a_code_failing_its_check_is_refused_where_it_is_not_registered_as_a_legacy_code(
    market_agency, registry_admin, acme
):
    register_legacy(registry_admin, LEGACY_CODES[0])
    bad_data = unflagged(LEGACY_CODES[1])  # held, but not as a legacy code
    with translation.override("en"):
        for code in (LEGACY_CODES[1], acme.uscc[:-1] + ("1" if acme.uscc[-1] != "1" else "2")):
            _cleaned, errors = clean_record(
                penalty_data(market_agency, acme, party_uscc=code), kind="penalty", agency=market_agency
            )
            assert list(errors) == ["party_uscc"]
            assert "check character (18) should be" in errors["party_uscc"][0]
        # Nor is a legacy code ever the deciding authority's.
        _cleaned, errors = clean_record(
            penalty_data(market_agency, acme, authority_uscc=LEGACY_CODES[0]),
            kind="penalty",
            agency=market_agency,
        )
        assert "check character (18) should be" in errors["authority_uscc"][0]
    assert bad_data.is_legacy_code is False


def test_legacy_codes_are_cleaned_with_the_memo_as_one_by_one(market_agency, registry_admin, acme):
    register_legacy(registry_admin, LEGACY_CODES[0])
    unflagged(LEGACY_CODES[1])
    categories = penalty_category_lookup()
    memo: dict = {}
    for code in (*LEGACY_CODES, *LEGACY_CODES):
        row = penalty_data(market_agency, acme, party_uscc=code)
        alone = clean_record(dict(row), kind="penalty", agency=market_agency, categories=categories)
        bulk = clean_record(dict(row), kind="penalty", agency=market_agency, categories=categories, memo=memo)
        assert bulk == alone
