"""The API's contract: every error under /api/ is JSON, and the schema says what the code does.

``make fuzz`` (scripts/fuzz.sh) holds the whole API to its schema with every schemathesis check;
these tests pin the rules it found broken, one by one, so that a change shows here first.

This module is also the URL configuration of its error tests: the project's URLs and handlers, and
a few plain Django views under /api/ that fail on purpose (what no DRF view would let through).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import path

from config import urls as project_urls
from registry.api.schema import NOT_BLANK_TEXT, TRIMMED
from registry.filters import DIVISION_PATTERN
from tests.factories import AgencyFactory, EnterpriseFactory


def _boom(request):
    raise RuntimeError("a bug in a view")


def _forbidden(request):
    raise PermissionDenied("not for you")


def _suspicious(request):
    raise SuspiciousOperation("a malformed request")


urlpatterns = [
    path("api/v1/test-boom/", _boom),
    path("api/v1/test-forbidden/", _forbidden),
    path("api/v1/test-suspicious/", _suspicious),
    path("test-boom/", _boom),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

pytestmark = [pytest.mark.django_db]
ROOT = Path(__file__).resolve().parents[1]
PORTAL_FRAME = 'class="site-header"'


@pytest.fixture
def visitor(settings):
    """A client as a real caller meets the API: exceptions become responses, DEBUG off."""
    settings.DEBUG = False
    return Client(raise_request_exception=False)


@pytest.fixture
def these_urls(settings):
    settings.ROOT_URLCONF = __name__


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"] and body["errors"] == []
    return body


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


# -- every error under /api/ is JSON --------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/public/enterprises/0.5/",  # schemathesis' find: the portal's HTML 404
        "/api/v1/public/enterprises/0.5/standing/",
        "/api/v1/records/%C2%84/",
        "/api/v1/imports/0.5/errors/",
        "/api/v1/agencies/91110000000000000X/tokens/abc/revoke/",
        "/api/v1/no-such-endpoint/",
        "/api/no-such-version/",
    ],
)
def test_an_address_no_api_route_matches_is_a_json_404(visitor, url):
    body = assert_json_error(visitor.get(url), 404)
    assert "<html" not in body["detail"]


def test_outside_the_api_an_unknown_address_still_gets_the_portals_page(visitor):
    response = visitor.get("/no/such/page/")
    assert response.status_code == 404 and PORTAL_FRAME in response.content.decode()


def test_a_crash_under_the_api_is_a_json_500_that_says_nothing_of_it(visitor, these_urls):
    body = assert_json_error(visitor.get("/api/v1/test-boom/"), 500)
    assert "a bug in a view" not in body["detail"]
    response = visitor.get("/test-boom/")
    assert response.status_code == 500 and PORTAL_FRAME in response.content.decode()


def test_a_refusal_and_a_malformed_request_outside_drf_are_json_under_the_api(visitor, these_urls):
    assert_json_error(visitor.get("/api/v1/test-forbidden/"), 403)
    body = assert_json_error(visitor.get("/api/v1/test-suspicious/"), 400)
    assert "a malformed request" not in body["detail"]


def test_a_method_the_endpoint_does_not_take_is_a_json_405_with_allow(admin_api):
    response = admin_api.delete("/api/v1/agencies/")
    assert_json_error(response, 405)
    assert "GET" in response["Allow"]


# -- the schema says what the code does -----------------------------------------------------------------
def test_every_documented_error_has_the_api_error_body(schema):
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if code >= "400":
                    content = response.get("content", {}).get("application/json", {})
                    # ApiError everywhere; the badge check's refusals keep their own (BadgeError).
                    body = content.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
                    own = (body, url) == ("BadgeError", "/api/v1/badges/verify")
                    assert body == "ApiError" or own, (method, url, code)


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for url, operations in schema["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            parameters = operation.get("parameters", [])
            assert "503" in codes, (method, url)
            if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
                assert "400" in codes, (method, url)
            if any(p["in"] == "path" for p in parameters):
                assert "404" in codes, (method, url)


def test_a_filter_that_refuses_a_value_documents_its_400(schema):
    # schemathesis' find: GET /api/v1/enterprises/?status=AAA answered an undocumented 400.
    assert "400" in schema["paths"]["/api/v1/enterprises/"]["get"]["responses"]


def test_the_path_codes_have_the_uscc_pattern(schema):
    uscc = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"
    for url, name in [
        ("/api/v1/agencies/{uscc}/", "uscc"),
        ("/api/v1/enterprises/{uscc}/", "uscc"),
        ("/api/v1/enterprises/{uscc}/measures", "uscc"),
        ("/api/v1/public/enterprises/{uscc}/", "uscc"),
    ]:
        (parameter,) = [p for p in schema["paths"][url]["get"]["parameters"] if p["name"] == name]
        assert parameter["schema"]["pattern"] == uscc, url


def test_page_and_page_size_say_their_minimum(schema):
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/agencies/"]["get"]["parameters"]}
    assert parameters["page"] == {"type": "integer", "minimum": 1}
    assert parameters["page_size"] == {"type": "integer", "minimum": 1}


def test_what_may_be_null_or_empty_in_a_response_says_so(schema):
    # schemathesis' find: GET /api/v1/agencies/{uscc}/ answered "parent": null for a national agency.
    components = schema["components"]["schemas"]
    assert components["Agency"]["properties"]["parent"]["nullable"] is True
    assert components["Commitment"]["properties"]["decided_by"]["nullable"] is True
    licence_category = components["Record"]["properties"]["licence_category"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in licence_category["oneOf"]


def test_free_text_says_it_takes_no_nul_and_required_text_no_blank(schema):
    parameters = {
        p["name"]: p["schema"] for p in schema["paths"]["/api/v1/enterprises/"]["get"]["parameters"]
    }
    assert parameters["q"]["pattern"] == r"^[^\x00]*$" and parameters["q"]["maxLength"] == 100
    assert parameters["division"]["maxLength"] == 6
    assert parameters["division"]["pattern"] == DIVISION_PATTERN
    revoke = schema["components"]["schemas"]["RecordRevokeInputRequest"]["properties"]["reason"]
    assert revoke["pattern"] == NOT_BLANK_TEXT


def _schemas(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schemas(value)


def test_an_empty_text_the_api_takes_is_valid_by_the_schema(schema):
    # schemathesis' find: drf-spectacular offered "" as the second choice of a ``oneOf`` whose first
    # choice (no NUL, at most 200) takes "" too, so a valid empty ``after=`` matched both choices
    # and the schema called it invalid. Every "or empty" is an ``anyOf``.
    from jsonschema import Draft4Validator

    blank = {"type": "string", "maxLength": 0}
    assert not [s for s in _schemas(schema) if blank in s.get("oneOf", [])]
    after = next(
        p["schema"] for p in schema["paths"]["/api/v1/changes/"]["get"]["parameters"] if p["name"] == "after"
    )
    assert Draft4Validator(after).is_valid("")
    assert not Draft4Validator(after).is_valid("x" * 201)
    note = schema["components"]["schemas"]["CommitmentDecisionInputRequest"]["properties"]["note"]
    assert Draft4Validator(note).is_valid("") and not Draft4Validator(note).is_valid("a\x00")


def test_the_webhooks_api_documents_either_credential(schema):
    # One authentication class takes a developer key or an agency token: the schema offers either
    # (two alternatives), under the schemes' names the other endpoints use.
    for operation in schema["paths"]["/api/v1/webhooks/"].values():
        assert operation["security"] == [{"DeveloperKey": []}, {"agencyToken": []}]
    schemes = schema["components"]["securitySchemes"]
    assert (schemes["DeveloperKey"]["name"], schemes["agencyToken"]["scheme"]) == ("X-Api-Key", "bearer")


def test_not_blank_means_what_drfs_trimming_means():
    # schemathesis' find: a token of U+FEFF and spaces is blank to ECMA's \s but not to str.strip().
    trimmed = re.compile(f"[{TRIMMED}]")
    for code in range(0x110000):
        char = chr(code)
        assert bool(trimmed.fullmatch(char)) == (char.strip() == ""), hex(code)
    for text, allowed in [
        ("a", True),
        (" a ", True),
        ("\ufeff", True),
        ("\x1c\x85 ", False),
        ("a\x00", False),
    ]:
        assert bool(re.fullmatch(NOT_BLANK_TEXT, text)) == allowed, text


# -- and the code does what the schema says -------------------------------------------------------------
@pytest.mark.parametrize("value", ["0", "-1", "null", "", "1.5", "٣"])
def test_a_page_size_that_is_not_a_whole_number_of_one_or_more_is_refused(api, value):
    # schemathesis' find: ?page_size=0 and ?page_size=null were read as "the default".
    response = api.get("/api/v1/agencies/", {"page_size": value})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "page_size"


@pytest.mark.parametrize("value", ["", "0", "-1", "last", "1.0", "٣"])
def test_a_page_that_is_not_a_whole_number_of_one_or_more_is_a_404(api, value):
    # schemathesis' find: ?page= was read as page 1.
    response = api.get("/api/v1/agencies/", {"page": value})
    assert response.status_code == 404 and response.json()["detail"]


def test_a_page_size_over_the_cap_gets_the_cap(api):
    AgencyFactory.create_batch(2)
    body = api.get("/api/v1/agencies/", {"page_size": 1000}).json()
    assert len(body["results"]) == body["count"] >= 2


@pytest.mark.parametrize(
    "query,field",
    [
        ({"status": "AAA"}, "status"),
        ({"status": ""}, "status"),
        ({"entity_type": ""}, "entity_type"),
        ({"division": "1234567"}, "division"),
        ({"division": "33x"}, "division"),
        ({"division": "330"}, "division"),
        ({"division": "33\n"}, "division"),
        ({"division": " 33"}, "division"),
        ({"q": "西湖\x00"}, "q"),
    ],
)
def test_a_filter_value_the_schema_does_not_allow_is_refused_not_ignored(api, query, field):
    EnterpriseFactory(name="杭州西湖建设工程有限公司")
    response = api.get("/api/v1/enterprises/", query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.parametrize("value", ["maybe", "null", "", "1"])
def test_a_boolean_filter_takes_true_or_false_only(api, clerk, value):
    api.force_authenticate(clerk)
    response = api.get("/api/v1/records/", {"overdue": value})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "overdue"
    assert api.get("/api/v1/records/", {"overdue": "true"}).status_code == 200


def test_an_empty_kind_on_the_public_records_is_refused(api):
    enterprise = EnterpriseFactory()
    url = f"/api/v1/public/enterprises/{enterprise.uscc}/records/"
    assert api.get(url).status_code == 200
    response = api.get(url, {"kind": ""})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "kind"


def test_the_enterprise_api_reads_json_only(admin_api):
    # A form cannot say null: schemathesis' "established_on=null" in a multipart body was refused.
    response = admin_api.post("/api/v1/enterprises/", {"name": "X"}, format="multipart")
    assert response.status_code == 415
    assert response["Content-Type"].startswith("application/json") and response.json()["detail"]


# -- the fuzzing's configuration ------------------------------------------------------------------------
def test_every_operation_the_fuzz_config_excuses_exists_and_documents_its_400(schema):
    config = tomllib.loads((ROOT / "scripts" / "schemathesis.toml").read_text())
    named = [name for entry in config["operations"] for name in entry["include-name"]]
    assert named and len(named) == len(set(named))
    for name in named:
        method, url = name.split(" ", 1)
        operation = schema["paths"][url][method.lower()]
        assert "400" in operation["responses"], name
    for entry in config["operations"]:
        # Only positive_data_acceptance is relaxed, and only by allowing 400.
        assert set(entry) == {"include-name", "checks"}
        assert set(entry["checks"]) == {"positive_data_acceptance"}
        statuses = entry["checks"]["positive_data_acceptance"]["expected-statuses"]
        assert set(statuses) - {"2xx", "3xx", "401", "403", "404", "409", "429", "5xx"} == {"400"}


def test_make_fuzz_runs_every_check():
    script = (ROOT / "scripts" / "fuzz.sh").read_text()
    assert "--checks all" in script and "not_a_server_error" not in script
    assert "scripts/schemathesis.toml" in script


@pytest.mark.parametrize(
    "url,name,limit",
    [("/api/v1/badges/verify", "token", 300), ("/api/v1/public/enterprises/", "q", 100)],
)
def test_a_length_limit_counts_the_spaces_sent_as_the_schema_does(api, url, name, limit):
    # schemathesis' find: a token of 18 characters and 290 tabs passed a limit of 300 (DRF trims first).
    response = api.get(url, {name: "c" + "\t" * limit})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == name
    assert api.get(url, {name: " \t "}).status_code == 400  # blank
    assert api.get(url, {name: "  西湖  "}).status_code == 200  # spaces around are dropped


def test_the_code_to_explain_says_the_length_the_view_takes(schema):
    # schemathesis' find: GET /api/v1/uscc/{code} with 65+ code points (combining marks) answered
    # a 400 the schema did not foresee. The schema now gives the view's own limit.
    (parameter,) = schema["paths"]["/api/v1/uscc/{code}"]["get"]["parameters"]
    assert parameter["schema"] == {"type": "string", "maxLength": 64}
    client = Client()
    assert client.get("/api/v1/uscc/" + "o\u0335" * 32).status_code == 200
    assert client.get("/api/v1/uscc/" + "o\u0335" * 32 + "o").status_code == 400


# A boolean, a list or an object DRF refused already; a number it read as text.
@pytest.mark.parametrize("value", [12345, -90962, 1.5])
def test_text_in_a_json_body_must_be_a_string_as_the_schema_says(admin_api, value):
    # schemathesis' find: POST /api/v1/inspections/{id}/send-back/ with {"comment": -90962} was
    # accepted (DRF reads a number as text), where the schema says a string.
    refused = admin_api.post("/api/v1/enterprises/", {"name": value}, format="json")
    assert refused.status_code == 400
    assert {"field": "name", "message": "Not a valid string.", "code": "invalid"} in refused.json()["errors"]
    taken = admin_api.post("/api/v1/enterprises/", {"name": "西湖"}, format="json")
    assert taken.status_code == 400  # other fields are missing, but the name is taken
    assert all(error["field"] != "name" for error in taken.json()["errors"])


@pytest.mark.parametrize("value", [12.5, 5, True])
def test_an_amount_in_a_json_body_must_be_text_as_the_schema_says(admin_api, value):
    # The schema gives an amount as text with a pattern ("12.5"); DRF took a JSON number too.
    refused = admin_api.post("/api/v1/enterprises/", {"registered_capital": value}, format="json")
    assert refused.status_code == 400
    said = [e for e in refused.json()["errors"] if e["field"] == "registered_capital"]
    assert said == [
        {
            "field": "registered_capital",
            "message": 'Send this amount as text, as in "12.5": a JSON number is not taken.',
            "code": "invalid",
        }
    ]
    taken = admin_api.post("/api/v1/enterprises/", {"registered_capital": "12.5"}, format="json")
    assert all(error["field"] != "registered_capital" for error in taken.json()["errors"])


@pytest.mark.parametrize("wait", ["0.0", "5.", "1e1", "٣", " 1", "true", "0x1"])
def test_a_whole_number_parameter_takes_digits_only_as_the_schema_says(api, wait):
    # schemathesis' find: GET /api/v1/changes/?wait=0.0 answered 200 (DRF drops a trailing ".0").
    response = api.get("/api/v1/changes/", {"wait": wait})
    assert response.status_code == 400, (wait, response.status_code)
    assert {"field": "wait", "message": "A valid integer is required.", "code": "invalid"} in response.json()[
        "errors"
    ]


def test_a_whole_number_is_taken_as_json_or_as_digits():
    from rest_framework import serializers

    class Whole(serializers.Serializer):
        n = serializers.IntegerField()

    for taken, value in (("0", 0), ("-12", -12), (7, 7)):
        checked = Whole(data={"n": taken})
        assert checked.is_valid() and checked.validated_data["n"] == value
    for refused in (5.0, True, "5.0", "", "٣"):
        assert not Whole(data={"n": refused}).is_valid(), refused


def test_a_yes_or_no_field_refuses_a_number_and_still_reads_a_forms_text():
    from rest_framework import serializers

    class YesNo(serializers.Serializer):
        b = serializers.BooleanField()

    for taken, value in ((True, True), (False, False), ("true", True), ("on", True), ("false", False)):
        checked = YesNo(data={"b": taken})
        assert checked.is_valid() and checked.validated_data["b"] is value
    for refused in (0, 1, 1.0, 0.0):
        checked = YesNo(data={"b": refused})
        assert not checked.is_valid() and checked.errors["b"][0].code == "invalid", refused
