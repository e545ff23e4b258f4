"""The staff's second factor: a code from an authenticator app after the password (django-otp, TOTP)."""

from __future__ import annotations

import base64
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from registry.models import AuditEntry
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db]

PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory
LOGIN, VERIFY, SET_UP = "/accounts/login/", "/accounts/two-factor/", "/accounts/two-factor/set-up/"
ROOT = Path(__file__).resolve().parents[2]


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


def code_of(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    return (
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"
    )


def wait_out_the_throttle(device: TOTPDevice) -> None:
    """As if the seconds the device asks for after wrong codes had passed."""
    device.refresh_from_db()
    if device.throttling_failure_timestamp:
        device.throttling_failure_timestamp -= dt.timedelta(hours=1)
        device.save(update_fields=["throttling_failure_timestamp"])


@pytest.fixture
def clerk_device(clerk) -> TOTPDevice:
    return TOTPDevice.objects.create(user=clerk, name="authenticator", confirmed=True)


def password_step(client: Client, username: str = "clerk", next_url: str = "/desk/"):
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": next_url})


def test_staff_with_an_app_must_enter_its_code_before_the_desk_opens(client, clerk_device):
    response = password_step(client)
    assert response.status_code == 302 and response["Location"] == f"{VERIFY}?next=%2Fdesk%2F"
    # Signed in by password only: the desk, the admin and the account send them to the code …
    for url in ("/desk/", "/admin/", "/account/"):
        held = client.get(url)
        assert held.status_code == 303 and held["Location"].startswith(VERIFY), url
    # … and the API and the public pages see no one.
    assert client.get("/api/v1/records/").status_code in (401, 403)
    page = client.get(VERIFY + "?next=/desk/")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    done = client.post(VERIFY, {"code": code_of(clerk_device), "next": "/desk/"})
    assert done.status_code == 303 and done["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200
    assert client.get("/api/v1/records/").status_code == 200


def test_wrong_codes_are_refused_and_the_app_then_waits(client, clerk_device, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # waits of 60, 120, 240… s: no test machine is that slow
    password_step(client)
    wrong = f"{(int(code_of(clerk_device)) + 1) % 1_000_000:06d}"
    refused = client.post(VERIFY, {"code": wrong, "next": "/desk/"})
    assert refused.status_code == 400 and "This code is not right" in refused.content.decode()
    # Straight after a wrong code even the right one is not compared: the device waits, twice as
    # long after each further wrong code (by default 1, 2, 4… s).
    throttled = client.post(VERIFY, {"code": code_of(clerk_device), "next": "/desk/"})
    assert throttled.status_code == 400 and "Too many wrong codes. Wait" in throttled.content.decode()
    assert client.get("/desk/").status_code == 303
    clerk_device.refresh_from_db()
    assert clerk_device.throttling_failure_count == 1
    for _ in range(3):  # each wrong code doubles the wait
        wait_out_the_throttle(clerk_device)
        client.post(VERIFY, {"code": wrong, "next": "/desk/"})
    clerk_device.refresh_from_db()
    assert clerk_device.throttling_failure_count == 4
    allowed, why = clerk_device.verify_is_allowed()
    assert not allowed and why["locked_until"] - clerk_device.throttling_failure_timestamp == dt.timedelta(
        seconds=8 * 60
    )
    wait_out_the_throttle(clerk_device)
    assert client.post(VERIFY, {"code": code_of(clerk_device), "next": "/desk/"}).status_code == 303
    assert client.get("/desk/").status_code == 200


def test_a_code_works_once_and_malformed_codes_say_what_is_expected(client, clerk_device):
    password_step(client)
    code = code_of(clerk_device)
    assert client.post(VERIFY, {"code": code}).status_code == 303
    client.post("/accounts/logout/")
    password_step(client)
    malformed = client.post(VERIFY, {"code": "12 34"})
    assert malformed.status_code == 400 and "Enter the six digits" in malformed.content.decode()
    replayed = client.post(VERIFY, {"code": code})
    assert replayed.status_code == 400 and "already used" in replayed.content.decode()


def test_where_it_is_required_staff_without_an_app_set_one_up_first(client, clerk, settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    response = password_step(client)
    assert response.status_code == 302 and response["Location"].startswith(SET_UP)
    assert client.get("/desk/")["Location"].startswith(SET_UP)
    page = client.get(SET_UP)
    html = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/svg+xml;base64,' in html
    device = TOTPDevice.objects.get(user=clerk, confirmed=False)
    shown = html.split('id="two-factor-secret">')[1].split("<")[0]
    secret = shown.replace(" ", "")
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    assert shown in client.get(SET_UP).content.decode()  # the same key until it is confirmed
    assert TOTPDevice.objects.filter(user=clerk).count() == 1
    wrong = client.post(SET_UP, {"code": "000000" if code_of(device) != "000000" else "111111"})
    assert wrong.status_code == 400 and not TOTPDevice.objects.filter(user=clerk, confirmed=True).exists()
    wait_out_the_throttle(device)
    done = client.post(SET_UP, {"code": code_of(device), "next": "/desk/"})
    assert done.status_code == 303 and done["Location"] == "/desk/"
    assert TOTPDevice.objects.get(user=clerk).confirmed
    assert client.get("/desk/").status_code == 200
    assert AuditEntry.objects.filter(action="account.two_factor_on", target_id=str(clerk.pk)).exists()
    # Required: it cannot be turned off.
    client.post(SET_UP, {"turn_off": "1"})
    assert TOTPDevice.objects.filter(user=clerk, confirmed=True).exists()


@pytest.mark.parametrize("persona", ["reviewer", "agency_admin", "registry_admin"])
def test_every_staff_role_is_asked(client, persona, request, settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    request.getfixturevalue(persona)
    assert password_step(client, persona)["Location"].startswith(SET_UP)


def test_the_admin_asks_for_the_code_too(client, settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=root, name="authenticator", confirmed=True)
    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302
    held = client.get("/admin/")
    assert held.status_code == 303 and held["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    client.post(VERIFY, {"code": code_of(device)})
    assert client.get("/admin/").status_code == 200


def test_enterprise_accounts_sign_in_with_their_password_alone(client, settings):
    settings.OTP_REQUIRED_FOR_STAFF = True
    UserFactory(username="boss")
    response = client.post("/account/sign-in/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 302 and not response["Location"].startswith("/accounts/two-factor")
    assert client.get(SET_UP)["Location"] == "/account/"  # nothing to set up


def test_in_the_demo_staff_may_turn_it_on_and_off(client, clerk, settings):
    settings.OTP_REQUIRED_FOR_STAFF = False
    assert password_step(client)["Location"] == "/desk/"  # no app: the password is enough
    desk = client.get("/desk/").content.decode()
    assert f'href="{SET_UP}"' in desk
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=clerk)
    assert client.post(SET_UP, {"code": code_of(device)}).status_code == 303
    assert "Two-step sign-in is on" in client.get(SET_UP).content.decode()
    # From now on the code is asked at every sign-in.
    client.post("/accounts/logout/")
    assert password_step(client)["Location"].startswith(VERIFY)
    # The next step's code: this step's was used above (the app's clock may run a step ahead).
    client.post(VERIFY, {"code": code_of(device, steps_ahead=1)})
    assert client.get("/desk/").status_code == 200
    client.post(SET_UP, {"turn_off": "1"})
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert client.get("/desk/").status_code == 200  # this session owes nothing any more
    assert AuditEntry.objects.filter(action="account.two_factor_off", target_id=str(clerk.pk)).exists()


def test_production_settings_require_it():
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("OTP_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="test-" + "x" * 60,
        OTP_REQUIRED_FOR_STAFF="false",  # not even the environment turns it off there
        DATABASE_URL="postgresql://postgres@127.0.0.1:5432/credit_registry_settings_check",
    )
    script = "import django; django.setup(); from django.conf import settings; print(settings.OTP_REQUIRED_FOR_STAFF)"
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.strip().splitlines()[-1] == "True", out.stderr
    local = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.local", "OTP_REQUIRED_FOR_STAFF": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert local.stdout.strip().splitlines()[-1] == "False", local.stderr


def test_the_verified_session_is_remembered_until_sign_out(client, clerk_device):
    password_step(client)
    client.post(VERIFY, {"code": code_of(clerk_device)})
    assert client.get("/desk/").status_code == 200
    assert client.get("/desk/").status_code == 200
    clerk_device.refresh_from_db()
    assert clerk_device.last_used_at is not None and clerk_device.last_used_at <= timezone.now()


def test_an_administrator_removes_a_lost_phones_app_through_the_audited_action(clerk_device, registry_admin):
    from django.core.exceptions import PermissionDenied

    from registry.two_factor import two_factor_reset

    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    admin_client = Client()
    admin_client.force_login(root)
    page = admin_client.get(f"/admin/otp_totp/totpdevice/{clerk_device.pk}/change/")
    assert page.status_code == 200 and clerk_device.key not in page.content.decode()  # never the key
    # Changing or deleting a device by hand would go unaudited: only the action is offered.
    assert admin_client.post(f"/admin/otp_totp/totpdevice/{clerk_device.pk}/change/", {}).status_code == 403
    assert (
        admin_client.post(
            f"/admin/otp_totp/totpdevice/{clerk_device.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    done = admin_client.post(
        "/admin/otp_totp/totpdevice/", {"action": "remove", "_selected_action": [clerk_device.pk]}
    )
    assert done.status_code == 302 and not TOTPDevice.objects.filter(user=clerk_device.user).exists()
    entry = AuditEntry.objects.get(action="account.two_factor_reset")
    assert entry.actor_id == root.pk and entry.target_id == str(clerk_device.user_id)
    with pytest.raises(PermissionDenied):
        two_factor_reset(actor=clerk_device.user, user=registry_admin)
