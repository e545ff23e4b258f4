"""The headers an import reads: the national codes, the national Chinese names and the desk form's
own labels (Chinese and English), one map that the import page lists and the blank files are made
from; a file the import cannot read is refused at upload with an error banner."""

import csv
import datetime as dt
import html
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from sanctions.models import CreditRecord, ImportBatch
from sanctions.records.forms import all_fields
from sanctions.records.importing.blanks import blank_headers, blanks
from sanctions.records.importing.files import _desk_label_headers, accepted_columns, header_map
from sanctions.records.importing.run import import_start
from sanctions.records.national_format import FIELDS, UNHELD_COLUMNS, normalise_header
from sanctions.records.national_format import header_map as national_header_map
from tests.sanctions.records.importing.helpers import (
    DECIDED,
    PENALTY_HEADERS,
    errors_of,
    penalty_row,
    write_csv,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "eager_tasks")]

# A penalty as the desk form has it, by field.
FORM_FIELDS = [
    "party_name",
    "party_uscc",
    "document_number",
    "violation_type",
    "legal_basis",
    "penalty_categories",
    "content",
    "fine_amount",
    "decision_date",
    "authority_name",
    "authority_uscc",
    "source_unit_name",
    "source_unit_uscc",
]


def penalty_values(agency, party, number: str) -> dict[str, str]:
    return {
        "party_name": party.name,
        "party_uscc": party.uscc,
        "document_number": number,
        "violation_type": "虚假宣传",
        "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
        "penalty_categories": "罚款",
        "content": "罚款人民币五万元",
        "fine_amount": "5",
        "decision_date": DECIDED.isoformat(),
        "authority_name": agency.name,
        "authority_uscc": agency.uscc,
        "source_unit_name": agency.name,
        "source_unit_uscc": agency.uscc,
    }


def licence_values(agency, party, number: str) -> dict[str, str]:
    return {
        "party_name": party.name,
        "party_uscc": party.uscc,
        "document_name": "食品经营许可决定书",
        "document_number": number,
        "licence_category": "普通",
        "certificate_name": "食品经营许可证",
        "certificate_number": number,
        "content": "预包装食品销售",
        "decision_date": DECIDED.isoformat(),
        "valid_from": DECIDED.isoformat(),
        "valid_to": (DECIDED + dt.timedelta(days=5 * 365)).isoformat(),
        "authority_name": agency.name,
        "authority_uscc": agency.uscc,
        "source_unit_name": agency.name,
        "source_unit_uscc": agency.uscc,
    }


def form_labels(language: str) -> dict[str, str]:
    with translation.override(language):
        return {name: str(field.label) for name, field in all_fields().items()}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_file_headed_with_the_desk_forms_labels_is_imported(
    django_capture_on_commit_callbacks, tmp_path, clerk, market_agency, acme, language
):
    """行政相对人统一社会信用代码, 处罚决定内容, 决定机关…: the labels a clerk sees on the form."""
    labels = form_labels(language)
    values = penalty_values(market_agency, acme, "杭市监罚〔2026〕1号")
    path = write_csv(
        tmp_path / "表单列名.csv",
        [[labels[name] for name in FORM_FIELDS], [values[name] for name in FORM_FIELDS]],
    )

    with django_capture_on_commit_callbacks(execute=True):
        batch = import_start(actor=clerk, agency=market_agency, path=path, original_name=path.name)
    batch.refresh_from_db()

    assert (batch.status, batch.created_count, errors_of(batch), batch.message) == ("done", 1, [], "")
    record = CreditRecord.objects.get()
    assert (record.kind, record.enterprise, record.content, record.authority_name) == (
        "penalty",
        acme,
        "罚款人民币五万元",
        market_agency.name,
    )


def test_the_labels_named_in_the_issue_are_read_as_their_fields():
    """As the desk form labels them in Chinese today."""
    mapping = header_map()
    with translation.override("zh-hans"):
        labels = {str(label): name for label, _language, name in _desk_label_headers()}
    for label in ("行政相对人统一社会信用代码", "处罚决定内容", "决定机关"):
        if label in labels:  # the catalogue's wording of today
            assert mapping[normalise_header(label)] == labels[label]
    assert mapping[normalise_header("Party's unified social credit code (USCC)")] == "party_uscc"
    assert mapping[normalise_header(" Content of the decision *")] == "content"
    assert (
        mapping[normalise_header("罚款金额（万元）")]
        == mapping[normalise_header("CF_NR_FK")]
        == "fine_amount"
    )


def test_one_header_names_one_field_and_never_a_national_column_the_registry_does_not_hold():
    national = national_header_map()
    unheld = {normalise_header(h) for pair in UNHELD_COLUMNS.items() for h in pair}
    mapping = header_map()
    for label, language, name in _desk_label_headers():
        key = normalise_header(label)
        if key in unheld:
            assert key not in mapping, (label, language)
        else:
            # A desk label that a national header already claims must claim it for the same field.
            assert national.get(key, name) == name, (label, language, name, national.get(key))
            assert mapping[key] == name
    for name, field in FIELDS.items():
        for header in (*field.codes, *field.names):
            assert mapping[normalise_header(header)] == name


def test_the_import_page_lists_every_accepted_column_and_offers_the_blank_files(client, clerk):
    client.force_login(clerk)
    client.cookies["django_language"] = "en"
    page = html.unescape(client.get("/desk/imports/").content.decode())

    for kind in ("penalty", "licence"):
        for column in accepted_columns(kind):
            for header in (column.code, column.national_name, *column.other_names):
                if header:
                    assert header in page, (kind, header)
    assert "行政相对人统一社会信用代码" in page or "Party's unified social credit code (USCC)" in page
    for blank in blanks():
        assert f'/desk/imports/templates/{blank.kind}/{blank.style}.{blank.format}"' in page
    assert len(blanks()) == 8  # penalties and licences, codes and Chinese names, CSV and XLSX


def _filled(blank, content: bytes, values: dict[str, str]) -> bytes:
    """The blank file with one row filled in under its own headers."""
    mapping = header_map()
    if blank.format == "csv":
        text = content.decode("utf-8-sig")
        headers = next(csv.reader(io.StringIO(text)))
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerow([values.get(mapping[normalise_header(h)], "") for h in headers])
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    sheet.append([values.get(mapping[normalise_header(h)]) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("blank", blanks(), ids=lambda b: b.filename)
def test_each_blank_file_is_downloaded_filled_in_and_imported(
    client, django_capture_on_commit_callbacks, clerk, market_agency, acme, blank
):
    client.force_login(clerk)
    response = client.get(f"/desk/imports/templates/{blank.kind}/{blank.style}.{blank.format}")
    assert response.status_code == 200
    assert response["Content-Type"] == blank.content_type
    assert f'filename="{blank.filename}"' in response["Content-Disposition"]
    content = response.content
    if blank.format == "csv":
        assert content.startswith(b"\xef\xbb\xbf")
        headers = next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        workbook = openpyxl.load_workbook(io.BytesIO(content))
        headers = [cell.value for cell in workbook.worksheets[0][1]]
        assert workbook.worksheets[0].max_row == 1  # nothing below the headers to import by mistake
        notes = workbook.worksheets[1]
        assert [row[0] for row in notes.iter_rows(min_row=2, values_only=True)] == headers
    assert headers == blank_headers(blank.kind, blank.style)
    if blank.style == "codes":
        assert all(h == "BZ" or h.startswith("CF_" if blank.kind == "penalty" else "XK_") for h in headers)
    else:
        assert not any(h.isascii() for h in headers)
    values = (penalty_values if blank.kind == "penalty" else licence_values)(market_agency, acme, "空白表1号")

    upload = SimpleUploadedFile(blank.filename, _filled(blank, content, values))
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post("/desk/imports/", {"agency": market_agency.pk, "file": upload})

    assert posted.status_code == 302, posted.content.decode()
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created_count, errors_of(batch), batch.message) == ("done", 1, [], "")
    assert CreditRecord.objects.get().kind == blank.kind


def test_unknown_blank_files_are_not_found(client, clerk):
    client.force_login(clerk)
    for url in ("reward/codes.csv", "penalty/english.csv", "penalty/codes.pdf"):
        assert client.get(f"/desk/imports/templates/{url}").status_code == 404


def test_a_refused_file_shows_an_error_banner_on_the_upload_form_and_is_not_stored(
    client, clerk, market_agency
):
    client.force_login(clerk)
    client.cookies["django_language"] = "en"
    upload = SimpleUploadedFile("records.csv", "名称,地址\n某公司,杭州\n".encode())

    response = client.post("/desk/imports/", {"agency": market_agency.pk, "file": upload})

    page = html.unescape(response.content.decode())
    assert response.status_code == 400
    assert 'class="error-summary" role="alert"' in page and "名称、地址" in page
    assert "The file is being imported." not in page
    assert not ImportBatch.objects.exists()


def test_a_file_missing_a_required_column_is_refused_at_upload_naming_the_column(
    clerk, market_agency, tmp_path
):
    headers = [h for h in PENALTY_HEADERS if h != "CF_CFLB"]
    path = write_csv(tmp_path / "records.csv", [headers])

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        import_start(actor=clerk, agency=market_agency, path=path)

    assert refused.value.message_dict == {"file": ["The file has no column for CF_CFLB (处罚类别)."]}
    assert not ImportBatch.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_after_upload_the_message_says_what_became_of_the_file(client, clerk, market_agency, acme, tmp_path):
    """Without a worker the import has run by the time the page shows (the upload commits, then
    its task runs): never a green "being imported" over a file whose fate is known."""
    client.force_login(clerk)
    client.cookies["django_language"] = "en"
    good = write_csv(
        tmp_path / "good.csv", [PENALTY_HEADERS, penalty_row(market_agency, acme, "杭市监罚〔2026〕1号")]
    )

    response = client.post(
        "/desk/imports/",
        {"agency": market_agency.pk, "file": SimpleUploadedFile("good.csv", good.read_bytes())},
    )
    page = client.get(response["Location"]).content.decode()
    assert "message-success" in page and "The file is imported." in page
    assert "The file is being imported." not in page

    again = client.post(
        "/desk/imports/",
        {"agency": market_agency.pk, "file": SimpleUploadedFile("again.csv", good.read_bytes())},
    )
    assert again["Location"] == response["Location"]
    page = client.get(again["Location"]).content.decode()
    assert "was imported before" in page and "message-success" not in page

    mixed = write_csv(
        tmp_path / "mixed.csv",
        [
            PENALTY_HEADERS,
            penalty_row(market_agency, acme, "杭市监罚〔2026〕2号"),
            penalty_row(market_agency, acme, "杭市监罚〔2026〕3号", CF_WFXW=""),
        ],
    )
    response = client.post(
        "/desk/imports/",
        {"agency": market_agency.pk, "file": SimpleUploadedFile("mixed.csv", mixed.read_bytes())},
    )
    page = client.get(response["Location"]).content.decode()
    assert "except 1 row with errors" in page and "message-success" not in page


def test_a_failed_import_shows_an_error_banner_on_its_page(client, clerk, market_agency):
    client.force_login(clerk)
    client.cookies["django_language"] = "en"
    batch = ImportBatch.objects.create(
        agency=market_agency,
        uploaded_by=clerk,
        original_name="records.csv",
        sha256="0" * 64,
        status="failed",
        message="The stored file is missing.",
    )

    page = client.get(f"/desk/imports/{batch.pk}/").content.decode()

    assert 'class="error-summary" role="alert" id="import-failed"' in page
    assert "The stored file is missing." in page
    assert "message-success" not in page


def test_the_api_lists_the_accepted_columns_and_serves_the_blank_files(api, clerk):
    api.force_authenticate(clerk)
    body = api.get("/api/v1/imports/columns/").json()
    assert [c["code"] for c in body["penalty"] if c["code"]] == blank_headers("penalty", "codes")
    party = next(c for c in body["licence"] if c["field"] == "party_uscc")
    assert party["code"] == "XK_XDR_SHXYM" and party["required"] is True
    assert "统一社会信用代码" in party["other_names"]

    response = api.get("/api/v1/imports/templates/licence/names/xlsx/")
    assert response.status_code == 200
    headers = [c.value for c in openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0][1]]
    assert headers == blank_headers("licence", "names")
    assert api.get("/api/v1/imports/templates/licence/names/pdf/").status_code == 404


def test_the_api_refuses_a_file_it_cannot_read_with_the_reason(api, clerk, market_agency):
    api.force_authenticate(clerk)
    upload = SimpleUploadedFile("records.csv", "名称,地址\n某公司,杭州\n".encode())

    response = api.post("/api/v1/imports/", {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "CF_* for penalties" in str(response.json())
    assert not ImportBatch.objects.exists()
