"""Importing a file of records through the clerk desk and through the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from registry.tokens import token_issue
from sanctions.models import CreditRecord, ImportBatch
from tests.sanctions.records.importing.helpers import PENALTY_HEADERS, bad_check, penalty_row

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "eager_tasks")]


def csv_file(agency, party, name="penalties.csv") -> SimpleUploadedFile:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(PENALTY_HEADERS)
    writer.writerow(penalty_row(agency, party, "杭市监罚〔2026〕501号"))
    writer.writerow(penalty_row(agency, bad_check(party.uscc), "杭市监罚〔2026〕502号"))
    return SimpleUploadedFile(name, ("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv")


def test_clerk_uploads_a_file_follows_it_and_downloads_the_errors(
    client,
    clerk,
    market_agency,
    acme,
    django_capture_on_commit_callbacks,
):
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/desk/imports/", {"agency": market_agency.pk, "file": csv_file(market_agency, acme)}
        )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/desk/imports/{batch.pk}/"
    assert list(CreditRecord.objects.values_list("document_number", flat=True)) == ["杭市监罚〔2026〕501号"]
    page = client.get(f"/desk/imports/{batch.pk}/").content.decode()
    assert 'id="created-count">1<' in page and 'id="error-count">1<' in page
    report = client.get(f"/desk/imports/{batch.pk}/errors.csv")
    assert report["Content-Type"].startswith("text/csv")
    text = report.content.decode("utf-8-sig")
    assert "CF_XDR_SHXYM" in text and "3," in text  # row 3 (the header is row 1), the party code column
    assert "/desk/imports/" in client.get("/desk/").content.decode()  # linked from the desk


def test_a_file_that_is_not_csv_or_xlsx_is_refused_on_the_form(client, clerk, market_agency):
    client.force_login(clerk)
    upload = SimpleUploadedFile("decision.pdf", b"%PDF-1.4 hello", content_type="application/pdf")
    response = client.post("/desk/imports/", {"agency": market_agency.pk, "file": upload})
    assert response.status_code == 400 and "decision.pdf" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_other_agencies_never_see_an_import(
    client,
    clerk,
    other_clerk,
    market_agency,
    acme,
    django_capture_on_commit_callbacks,
):
    client.force_login(clerk)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/desk/imports/", {"agency": market_agency.pk, "file": csv_file(market_agency, acme)})
    batch = ImportBatch.objects.get()
    client.force_login(other_clerk)
    assert client.get(f"/desk/imports/{batch.pk}/").status_code == 404
    assert client.get(f"/desk/imports/{batch.pk}/errors.csv").status_code == 404
    assert "penalties.csv" not in client.get("/desk/imports/").content.decode()


def test_reviewer_sees_imports_but_has_no_upload_form(client, reviewer):
    client.force_login(reviewer)
    page = client.get("/desk/imports/").content.decode()
    assert 'type="file"' not in page


def test_api_upload_with_a_token_then_poll(
    api,
    clerk,
    agency_admin,
    market_agency,
    acme,
    django_capture_on_commit_callbacks,
):
    _token, key = token_issue(actor=agency_admin, agency=market_agency, name="case system")
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            "/api/v1/imports/", {"file": csv_file(market_agency, acme), "submit": "true"}, format="multipart"
        )
    assert response.status_code == 202, response.content
    body = api.get(f"/api/v1/imports/{response.json()['id']}/").json()
    assert body["status"] == "done" and body["created_count"] == 1 and body["error_count"] == 1
    assert body["errors"][0]["row"] == 3
    assert CreditRecord.objects.get().status == "submitted"
    assert api.get(f"/api/v1/imports/{body['id']}/errors/").status_code == 200


def test_api_upload_refused_for_read_only_tokens_and_anonymous(api, agency_admin, market_agency, acme):
    _token, key = token_issue(actor=agency_admin, agency=market_agency, name="reader", read_only=True)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert (
        api.post("/api/v1/imports/", {"file": csv_file(market_agency, acme)}, format="multipart").status_code
        == 403
    )
    assert api.get("/api/v1/imports/").status_code == 200
    api.credentials()
    assert api.post(
        "/api/v1/imports/", {"file": csv_file(market_agency, acme)}, format="multipart"
    ).status_code in (401, 403)
    assert not ImportBatch.objects.exists()


def test_the_imports_page_links_the_record_a_differing_row_names(
    client, clerk, market_agency, acme, beta, django_capture_on_commit_callbacks
):
    from sanctions.records import services
    from tests.sanctions.records.importing.helpers import row_data

    record, _created = services.record_create(
        actor=clerk,
        agency=market_agency,
        kind="penalty",
        data=row_data(
            penalty_row(market_agency, acme, "杭市监罚〔2026〕501号", CF_NR="<script>x()</script>")
        ),
    )
    client.force_login(clerk)
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/desk/imports/", {"agency": market_agency.pk, "file": csv_file(market_agency, beta)})
    batch = ImportBatch.objects.get()

    page = client.get(f"/desk/imports/{batch.pk}/").content.decode()

    assert batch.error_count == 2
    assert f'<a href="/desk/records/{record.pk}/">/desk/records/{record.pk}/</a>' in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "<script>x()" not in page
