"""A NUL character in the address: 400 with a message that says so, never a 500 (PostgreSQL cannot hold
one in text, and views read the address directly: registry.middleware.NulCharacterMiddleware)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.django_db]

MESSAGE_ZH = "地址中含有空字符"


@pytest.fixture
def visitor():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "address",
    [
        "/search?q=%E8%A5%BF%00%E6%B9%96",  # 西\0湖 in the search box
        "/search?q=%00",
        "/search?q=%E8%A5%BF%E6%B9%96&division=%00",
        "/enterprises/9133%0001/",  # a code in the path
        "/enterprises/9133%0001/report.pdf",
    ],
)
def test_a_page_whose_address_holds_a_nul_says_so_with_400(visitor, address):
    EnterpriseFactory(name="杭州西湖建设有限公司")
    response = visitor.get(address)
    assert response.status_code == 400
    assert MESSAGE_ZH in response.content.decode()


def test_the_api_says_so_in_json(visitor):
    response = visitor.get("/api/v1/public/enterprises/?q=%E8%A5%BF%00%E6%B9%96&status=in_operation")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("地址中含有空字符")
    assert [error["field"] for error in body["errors"]] == ["q"]  # the parameter that holds it
    response = visitor.get("/api/v1/public/enterprises/9133%0001/")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] is None


def test_the_message_is_in_english_for_an_english_reader(visitor):
    visitor.cookies["django_language"] = "en"
    response = visitor.get("/search?q=%00")
    assert response.status_code == 400 and "NUL character" in response.content.decode()


def test_an_address_without_one_is_served_as_before(visitor):
    EnterpriseFactory(name="杭州西湖建设有限公司")
    assert visitor.get("/search?q=%E8%A5%BF%E6%B9%96").status_code == 200
    assert visitor.get("/search?q=100%25").status_code == 200  # "%" itself, encoded, is a character like any
