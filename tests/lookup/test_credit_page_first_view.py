"""The credit page's first view (lookup/credit_page/): one query, the frame kept per language,
the Jinja2 body translated when compiled, and no page kept that a change overtook."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import translation

from config.jinja2 import localized_template
from lookup import views as lookup_views
from lookup.profiles import profiles_build
from registry import cache as generations
from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    lookup_views._LOCAL_PAGES.clear()
    yield
    cache.clear()
    lookup_views._LOCAL_PAGES.clear()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("query", ["", "?utm=a&x=%3Cb%3E"])
def test_the_kept_frame_is_the_template_rendered_for_a_real_request(client, language, query):
    enterprise = EnterpriseFactory(name="<杭州>&\"西湖'建设有限公司")
    path = f"/enterprises/{enterprise.uscc}/{query}"
    lookup_views._FRAMES.clear()
    request = RequestFactory().get(path)
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    request.user = AnonymousUser()
    with translation.override(language):
        request.LANGUAGE_CODE = language
        expected = render_to_string(
            "lookup/enterprise.html",
            {"enterprise": enterprise, "body_html": mark_safe("<p>BODY</p>")},
            request=request,
        )
        for _twice in range(2):  # built, then kept
            assert (
                lookup_views.anonymous_frame(request, title=enterprise.name, body="<p>BODY</p>") == expected
            )


def test_a_never_changed_enterprise_is_one_query(client, django_assert_num_queries, settings):
    settings.PUBLIC_PROFILE_CHECK = False  # the suite's oracle renders every page twice
    enterprise = EnterpriseFactory()
    client.get("/healthz")
    # No public profile (lookup.profiles): its read, then the page's one query.
    with django_assert_num_queries(2):
        response = client.get(f"/enterprises/{enterprise.uscc}/")
    assert response.status_code == 200 and enterprise.name in response.content.decode()
    profiles_build([enterprise.id])
    cache.clear()
    lookup_views._LOCAL_PAGES.clear()
    # With its profile: one row.
    with django_assert_num_queries(1):
        again = client.get(f"/enterprises/{enterprise.uscc}/")
    assert again.content == response.content


def test_a_change_committed_between_the_read_and_the_generation_is_not_kept(client, monkeypatch, publish):
    """The page is read before its generation is known: if a change commits in between, the page
    kept must not be the one read before it (it would be served as current)."""
    enterprise = EnterpriseFactory()
    publish(enterprise, document_number="BEFORE-1")
    real = generations.enterprise_generation
    state = {"done": False}

    def generation_after_a_change(enterprise_id):
        if not state["done"]:
            state["done"] = True
            publish(enterprise, document_number="RACE-1")  # commits and bumps meanwhile
        return real(enterprise_id)

    assert "RACE-1" not in client.get(f"/enterprises/{enterprise.uscc}/").content.decode()
    # Its second view is the one kept: its generation is read after its data.
    monkeypatch.setattr(lookup_views, "enterprise_generation", generation_after_a_change)
    first = client.get(f"/enterprises/{enterprise.uscc}/").content.decode()
    assert "RACE-1" in first
    monkeypatch.setattr(lookup_views, "enterprise_generation", real)
    assert "RACE-1" in client.get(f"/enterprises/{enterprise.uscc}/").content.decode()


def test_the_body_template_is_translated_when_compiled_not_when_rendered(monkeypatch):
    for language, heading in (("zh-hans", "登记信息"), ("en", "Registration information")):
        with translation.override(language):
            template = localized_template("lookup/credit_body.html")
            assert heading in template.environment.loader.get_source(template.environment, template.name)[0]
            assert (
                '_("Registration information")'
                not in template.environment.loader.get_source(template.environment, template.name)[0]
            )


def test_the_division_is_read_with_the_page(client):
    from registry.models import Division

    division = Division.objects.filter(valid_until__isnull=False).first() or Division.objects.first()
    named = EnterpriseFactory(division_code=division.code)
    client.cookies["django_language"] = "en"
    content = client.get(f"/enterprises/{named.uscc}/").content.decode()
    assert f"{division.code} · {division.full_name}" in content
    if division.valid_until:
        assert f"abolished after {division.valid_until}" in content
    unknown = EnterpriseFactory(division_code="999999")
    assert (
        "999999 · not in the division table" in client.get(f"/enterprises/{unknown.uscc}/").content.decode()
    )
