"""Password guessing: the API takes no password at all, and an account locks after repeated failures."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from registry.models import AuditEntry

pytestmark = [pytest.mark.django_db]

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    """The tests read the pages in English: the visitor chose it with the language switch."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the API's
    return client


@pytest.fixture
def password_checks(monkeypatch) -> list[str]:
    """The user names whose password was compared, whoever asked."""
    User = get_user_model()
    original = User.check_password
    seen: list[str] = []

    def check_password(self, raw_password):
        seen.append(self.get_username())
        return original(self, raw_password)

    monkeypatch.setattr(User, "check_password", check_password)
    return seen


def basic(username: str, password: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    pair = base64.b64encode(f"{username}:{password}".encode()).decode()
    client.credentials(HTTP_AUTHORIZATION=f"Basic {pair}")
    return client


# --- HTTP Basic on the API --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/records/", "/api/v1/imports/", "/api/v1/agencies/{agency}/tokens/"], ids=str
)
def test_basic_credentials_open_nothing_and_are_never_checked(
    url, clerk, agency_admin, market_agency, password_checks
):
    url = url.format(agency=market_agency.uscc)
    right = basic("agency_admin", PASSWORD).get(url)
    wrong = basic("agency_admin", "not-the-password").get(url)
    assert right.status_code in (401, 403)
    # The same answer whether the password is right or not: no way to tell a good guess.
    assert (wrong.status_code, wrong.json()) == (right.status_code, right.json())
    assert password_checks == []


def test_basic_credentials_do_not_lift_the_anonymous_view(clerk, password_checks):
    """A public endpoint answers as to anyone: the header is ignored, not verified."""
    response = basic("clerk", PASSWORD).get("/api/v1/agencies/")
    assert response.status_code == 200
    assert password_checks == []
    assert basic("clerk", PASSWORD).post("/api/v1/records/", {}, format="json").status_code in (401, 403)


# --- Per-account lockout ------------------------------------------------------------------------------

LOGIN = "/accounts/login/"


def sign_in(client, username: str, password: str, address: str = "203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return get_user_model().objects.get(pk=user_id).get_username() if user_id else None


@pytest.fixture
def clerk_with_mail(clerk):
    clerk.email = "clerk@agency.example"
    clerk.save(update_fields=["email"])
    return clerk


def lock_entries(user):
    from registry.models import AuditEntry

    return AuditEntry.objects.filter(action="account.lock", target_id=str(user.pk))


def test_ten_wrong_passwords_from_many_addresses_lock_the_account_and_its_holder_is_told(
    client, clerk_with_mail, settings, mailoutbox, django_capture_on_commit_callbacks, password_checks
):
    assert settings.SIGN_IN_LOCKOUT_FAILURES == 10
    with django_capture_on_commit_callbacks(execute=True):
        # A botnet: every guess from another address, so the per-address limit never meets them.
        for n in range(9):
            response = sign_in(client, "clerk", f"guess-{n}", address=f"198.51.100.{n + 1}")
            assert response.status_code == 200 and "id_username" in response.content.decode()
        locked = sign_in(client, "clerk", "guess-9", address="198.51.100.10")
    assert locked.status_code == 429 and int(locked["Retry-After"]) == 60 * 60
    page = locked.content.decode()
    assert 'id="locked-out"' in page and "After 10 failed sign-ins" in page and "60 minutes" in page
    assert [m.to for m in mailoutbox] == [["clerk@agency.example"]]
    assert "10 failed sign-ins to the account clerk" in mailoutbox[0].body
    assert lock_entries(clerk_with_mail).count() == 1

    # The right password, from yet another address, is refused with the same page, and never compared.
    password_checks.clear()
    right = sign_in(client, "clerk", PASSWORD, address="192.0.2.1")
    wrong = sign_in(client, "clerk", "guess-10", address="192.0.2.1")
    assert right.status_code == wrong.status_code == 429
    assert right.content == wrong.content
    assert password_checks == [] and signed_in_as(client) is None
    # Trying on does not tell the holder again within the lockout period.
    assert len(mailoutbox) == 1 and lock_entries(clerk_with_mail).count() == 1


def test_the_lock_ends_after_the_cool_off(client, clerk, settings):
    from axes.models import AccessAttempt
    from django.db.models import F

    for n in range(10):
        sign_in(client, "clerk", f"guess-{n}")
    assert sign_in(client, "clerk", PASSWORD).status_code == 429
    # The wait runs from the last attempt: move every attempt back past it.
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - dt.timedelta(minutes=settings.SIGN_IN_LOCKOUT_MINUTES + 1)
    )
    response = sign_in(client, "clerk", PASSWORD)
    assert response.status_code == 302 and signed_in_as(client) == "clerk"
    assert not AccessAttempt.objects.exists()  # a success clears the account's failures


def test_an_administrator_unlocks_at_once(client, clerk):
    for n in range(10):
        sign_in(client, "clerk", f"guess-{n}")
    assert sign_in(client, "clerk", PASSWORD).status_code == 429
    admin = get_user_model().objects.create_superuser("root", "root@registry.example", "pw-for-root-1")
    admin_client = Client()
    admin_client.force_login(admin)
    listing = admin_client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "clerk" in listing.content.decode()
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username="clerk")
    # Deleting the rows by hand would lift the lock unaudited: the admin only offers the action.
    assert (
        admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AccessAttempt.objects.filter(username="clerk").exists()
    done = admin_client.post(
        "/admin/axes/accessattempt/", {"action": "unlock", "_selected_action": [attempt.pk]}
    )
    assert done.status_code == 302 and not AccessAttempt.objects.filter(username="clerk").exists()
    entry = AuditEntry.objects.get(action="account.unlock")
    assert entry.actor_id == admin.pk and entry.target_id == str(clerk.pk)
    response = sign_in(client, "clerk", PASSWORD)
    assert response.status_code == 302 and signed_in_as(client) == "clerk"


def test_only_a_registry_administrator_unlocks(clerk, registry_admin):
    from django.core.exceptions import PermissionDenied

    from registry.lockout import account_unlock

    with pytest.raises(PermissionDenied):
        account_unlock(actor=clerk, username="clerk")
    assert account_unlock(actor=registry_admin, username="nobody-by-this-name") == 0
    assert AuditEntry.objects.filter(action="account.unlock").count() == 1


def test_a_success_before_the_limit_starts_the_count_again(client, clerk):
    for n in range(9):
        sign_in(client, "clerk", f"guess-{n}")
    assert sign_in(client, "clerk", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for n in range(9):
        assert sign_in(client, "clerk", f"again-{n}").status_code == 200
    assert sign_in(client, "clerk", PASSWORD).status_code == 302


def test_an_unknown_name_locks_the_same_way_and_nobody_is_told(
    client, clerk_with_mail, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [sign_in(client, "nobody", f"guess-{n}").status_code for n in range(11)]
    assert statuses == [200] * 9 + [429, 429]
    assert mailoutbox == [] and not lock_entries(clerk_with_mail).exists()
    assert sign_in(client, "clerk", PASSWORD).status_code == 302  # other accounts are not affected


def test_the_admin_and_enterprise_sign_in_forms_count_and_refuse_alike(
    client, clerk, mailoutbox, django_capture_on_commit_callbacks
):
    for n in range(5):
        client.post("/admin/login/", {"username": "clerk", "password": f"guess-{n}"})
    for n in range(5, 10):
        client.post("/account/sign-in/", {"username": "clerk", "password": f"guess-{n}"})
    admin = client.post("/admin/login/", {"username": "clerk", "password": PASSWORD})
    enterprise = client.post("/account/sign-in/", {"username": "clerk", "password": PASSWORD})
    assert admin.status_code == enterprise.status_code == 429
    assert 'href="/account/sign-in/"' in enterprise.content.decode()
    assert f'href="{LOGIN}"' in admin.content.decode()
    assert signed_in_as(client) is None


def test_the_lockout_page_is_translated(client, clerk):
    for n in range(10):
        sign_in(client, "clerk", f"guess-{n}")
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]  # the portal's first language
    with translation.override("zh-hans"):
        page = client.post(LOGIN, {"username": "clerk", "password": PASSWORD})
    assert page.status_code == 429
    assert '<html lang="zh-CN">' in page.content.decode() and 'id="locked-out"' in page.content.decode()
