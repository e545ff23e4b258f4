"""The error pages (400, 403, 404, 500) in the portal's frame, with and without DEBUG.

This module is also the URL configuration of its tests: the project's URLs and handlers, and a few
views that fail on purpose.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.test import Client
from django.urls import path

from config import urls as project_urls
from registry.models import Enterprise


def _boom(request):
    raise RuntimeError("a bug in a view")


def _forbidden(request):
    raise PermissionDenied("Only a confirmed account of 某公司 may do this.")


def _suspicious(request):
    raise SuspiciousOperation("a malformed request")


def _gone(request):
    raise Http404("This record is not public.")


def _no_such_row(request):
    return get_object_or_404(Enterprise, pk=-1)


urlpatterns = [
    path("boom/", _boom),
    path("desk/boom/", _boom),
    path("forbidden/", _forbidden),
    path("suspicious/", _suspicious),
    path("gone/", _gone),
    path("no-such-row/", _no_such_row),
    *project_urls.urlpatterns,
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

pytestmark = [pytest.mark.django_db]
PORTAL_FRAME = 'class="site-header"'


@pytest.fixture(autouse=True)
def _these_urls(settings):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def visitor():
    """A browser: exceptions become pages, as for a real visitor."""
    return Client(raise_request_exception=False)


@pytest.fixture
def english(visitor, settings):
    """The visitor chose English (the language switch's cookie)."""
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def text(response) -> str:
    return response.content.decode()


# -- without DEBUG (production) ----------------------------------------------------------------------
def test_an_unknown_address_gets_the_portals_404_without_the_projects_urls(visitor):
    response = visitor.get("/no/such/page/")
    assert response.status_code == 404
    page = text(response)
    assert PORTAL_FRAME in page and 'id="error-title"' in page
    for leak in ("URLResolver", "URLPattern", "urls.py", "tried", "desk/"):
        assert leak not in page, leak  # the resolver's exception listed every URL with its file


def test_a_404_says_the_message_written_for_people_and_not_djangos(visitor, english):
    assert "This record is not public." in text(visitor.get("/gone/"))
    page = text(visitor.get("/no-such-row/"))
    assert "matches the given query" not in page and "There is nothing at this address." in page


def test_a_server_error_gets_the_portals_500_page(visitor):
    response = visitor.get("/boom/")
    assert response.status_code == 500
    page = text(response)
    assert PORTAL_FRAME in page and 'id="error-title"' in page
    assert "a bug in a view" not in page and "Traceback" not in page


def test_a_refusal_gets_the_portals_403_page_with_its_reason(visitor):
    response = visitor.get("/forbidden/")
    assert response.status_code == 403
    assert PORTAL_FRAME in text(response) and "Only a confirmed account of 某公司 may do this." in text(
        response
    )


def test_a_bad_request_gets_the_portals_400_page(visitor):
    response = visitor.get("/suspicious/")
    assert response.status_code == 400
    assert PORTAL_FRAME in text(response) and "a malformed request" not in text(response)


def test_an_expired_form_gets_a_page_that_says_what_to_do():
    response = Client(enforce_csrf_checks=True).post("/account/sign-in/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert PORTAL_FRAME in text(response) and 'id="error-title"' in text(response)


def test_the_error_pages_speak_chinese_by_default(visitor):
    page = text(visitor.get("/no/such/page/"))
    assert '<html lang="zh-CN">' in page


# -- with DEBUG on (make run) ------------------------------------------------------------------------
def test_with_debug_an_unknown_public_address_gets_the_portals_404(visitor, settings):
    settings.DEBUG = True
    for url in ("/no/such/page/", "/objections/YY1/more/", "/enterprises/"):
        response = visitor.get(url)
        assert response.status_code == 404, url
        page = text(response)
        assert PORTAL_FRAME in page and "URLconf" not in page and "URLResolver" not in page, url


def test_with_debug_a_404_raised_by_a_public_page_gets_the_portals_404(visitor, settings, english):
    settings.DEBUG = True
    page = text(visitor.get("/gone/"))
    assert PORTAL_FRAME in page and "This record is not public." in page and "Raised by" not in page


def test_with_debug_a_bug_still_shows_djangos_debug_page(visitor, settings):
    settings.DEBUG = True
    response = visitor.get("/boom/")
    assert response.status_code == 500
    assert "a bug in a view" in text(response) and "Traceback" in text(response)


def test_with_debug_the_api_admin_and_desk_keep_djangos_technical_404(visitor, settings):
    settings.DEBUG = True
    for url in ("/api/v1/no-such-endpoint/", "/desk/no-such-page/"):
        response = visitor.get(url)
        assert response.status_code == 404, url
        assert "URLconf" in text(response) and PORTAL_FRAME not in text(response), url


def test_with_debug_a_missing_slash_is_still_added(visitor, settings):
    settings.DEBUG = True
    response = visitor.get("/objections")
    assert response.status_code == 301 and response["Location"] == "/objections/"
