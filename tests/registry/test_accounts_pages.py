"""The enterprise users' pages: sign-in pages titled for who they serve, sign-up with a one-time code,
the claim, and the account's home with its links; every form limited per client."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from registry import accounts
from registry.models import EnterpriseAccount, SignInAddress
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = [pytest.mark.django_db]
PASSWORD = "Qiye-mima-2026"
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def client():
    """A visitor who chose English with the language switch."""
    browser = Client()
    browser.cookies["django_language"] = "en"
    return browser


@pytest.fixture
def enterprise(db):
    return EnterpriseFactory(name="杭州安居房屋租赁有限公司")


def html(response) -> str:
    return response.content.decode()


def h1(response) -> str:
    return re.search(r"<h1[^>]*>(.*?)</h1>", html(response), re.S).group(1).strip()


def sign_up(client, capture, address="boss@anju.example", password=PASSWORD):
    with capture(execute=True):
        return client.post(
            reverse("account:sign-up"), {"address": address, "password": password, "password_again": password}
        )


def signed_up_user(client, capture, mailoutbox, address="boss@anju.example"):
    sign_up(client, capture, address)
    code = CODE.search(mailoutbox[-1].body).group(1)
    client.post(reverse("account:verify"), {"code": code})
    return SignInAddress.objects.get(address=address, verified_at__isnull=False).user


# -- sign-in pages for who they serve ----------------------------------------------------------------------
def test_the_staff_sign_in_is_titled_for_agency_staff_and_links_to_the_enterprise_one(client):
    page = client.get(reverse("login"))
    assert h1(page) == "Agency staff sign-in"
    assert f'href="{reverse("account:sign-in")}"' in html(page)


def test_the_enterprise_sign_in_is_titled_for_enterprises_and_links_to_staff_and_sign_up(client):
    page = client.get(reverse("account:sign-in"))
    assert page.status_code == 200 and h1(page) == "Enterprise sign-in"
    assert f'href="{reverse("login")}"' in html(page) and f'href="{reverse("account:sign-up")}"' in html(page)


@pytest.mark.parametrize("url", ["/account/", "/account/claim/", "/account/repair/"])
def test_an_enterprise_page_sends_a_visitor_to_the_enterprise_sign_in(client, url):
    response = client.get(url, follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('account:sign-in')}?next={url.replace('/', '%2F')}"
    assert h1(response) == "Enterprise sign-in"


def test_a_desk_page_still_sends_a_visitor_to_the_staff_sign_in(client):
    response = client.get("/desk/", follow=True)
    assert h1(response) == "Agency staff sign-in"


def test_an_enterprise_user_signs_in_with_e_mail_or_phone_and_lands_on_the_account(
    client, mailoutbox, django_capture_on_commit_callbacks, settings
):
    settings.ACCOUNT_SMS_SENDER = "registry.sms.log_sender"
    by_mail = signed_up_user(Client(), django_capture_on_commit_callbacks, mailoutbox)
    url = reverse("account:sign-in")
    response = client.post(url, {"username": "BOSS@anju.example", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("account:home")
    assert int(client.session["_auth_user_id"]) == by_mail.pk
    client.logout()
    client.cookies["django_language"] = "en"  # logging out forgets every cookie
    wrong = client.post(url, {"username": "boss@anju.example", "password": "not-it-at-all"})
    assert wrong.status_code == 200 and "password is not right" in html(wrong)
    made_by_admin = UserFactory(username="landlord")
    response = client.post(
        url, {"username": "landlord", "password": "pw-for-tests-1", "next": "/account/claim/"}
    )
    assert (
        response["Location"] == "/account/claim/" and int(client.session["_auth_user_id"]) == made_by_admin.pk
    )


def test_enterprise_sign_in_tries_are_limited_with_the_other_sign_in_forms(client, settings):
    settings.SIGN_IN_RATE = "2/min"
    url = reverse("account:sign-in")
    statuses = [
        client.post(url, {"username": "a@b.example", "password": "wrong-one"}).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 429]
    refused = client.post(url, {"username": "a@b.example", "password": "wrong-one"})
    assert refused["Retry-After"] and 'id="throttled"' in html(refused)
    assert (
        client.post(reverse("login"), {"username": "clerk", "password": "x"}).status_code == 429
    )  # one budget


# -- sign-up, code, claim, home ---------------------------------------------------------------------------
def test_sign_up_verify_claim_and_the_account_home(
    client, enterprise, registry_admin, mailoutbox, django_capture_on_commit_callbacks
):
    assert client.get(reverse("account:sign-up")).status_code == 200
    response = sign_up(client, django_capture_on_commit_callbacks)
    assert response.status_code == 303 and response["Location"] == reverse("account:verify")
    page = client.get(reverse("account:verify"))
    assert "b***@anju.example" in html(page) and "boss@anju.example" not in html(page)
    assert "no-store" in page["Cache-Control"]
    code = CODE.search(mailoutbox[0].body).group(1)
    wrong = client.post(reverse("account:verify"), {"code": "000000" if code != "000000" else "111111"})
    assert wrong.status_code == 400 and "This code is not right." in html(wrong)
    response = client.post(reverse("account:verify"), {"code": code})
    assert response.status_code == 303 and response["Location"] == reverse("account:home")
    # Signed in, and sent on to the claim form: the account acts for no enterprise yet.
    assert client.get(reverse("account:home"))["Location"] == reverse("badges:claim")
    _claim, claim_code = accounts.claim_code_issue(actor=registry_admin, enterprise=enterprise)
    response = client.post(
        reverse("badges:claim"), {"uscc": enterprise.uscc, "code": claim_code}, follow=True
    )
    assert 'id="claim-waiting"' in html(response) and enterprise.name in html(response)
    account = EnterpriseAccount.objects.get(enterprise=enterprise)
    accounts.enterprise_account_confirm(actor=registry_admin, account=account)
    home = client.get(reverse("account:home"))
    assert home.status_code == 200 and h1(home) == enterprise.name
    links = {
        "link-public-page": reverse("lookup:enterprise", args=[enterprise.uscc]),
        "link-repair": reverse("remedies:mine"),
        "link-eligibility": reverse("remedies:eligibility", args=[enterprise.uscc]),
        "link-objections": reverse("remedies:track"),
        "link-badges": reverse("badges:dashboard", args=[enterprise.uscc]),
    }
    for element_id, url in links.items():
        assert f'href="{url}" id="{element_id}"' in html(home), element_id
    assert f'action="{reverse("logout")}"' in html(home) and 'id="sign-out"' in html(home)
    assert "b***@anju.example" in html(home)


def test_the_sign_up_form_says_what_is_wrong_next_to_each_field(client):
    response = client.post(
        reverse("account:sign-up"), {"address": "138123", "password": "12345678", "password_again": "1234567"}
    )
    assert response.status_code == 400
    page = html(response)
    assert 'id="id_address_errors"' in page and "has 11 digits; this one has 6" in page
    assert 'id="id_password_again_errors"' in page and "The two passwords differ." in page
    assert not SignInAddress.objects.exists()


def test_signing_up_with_a_taken_address_looks_the_same_as_a_new_one(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    signed_up_user(Client(), django_capture_on_commit_callbacks, mailoutbox)
    taken = sign_up(Client(), django_capture_on_commit_callbacks)
    fresh = sign_up(Client(), django_capture_on_commit_callbacks, address="new@anju.example")
    assert taken.status_code == fresh.status_code == 303 and taken["Location"] == fresh["Location"]


def test_sign_ups_and_code_entries_are_limited_per_client(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_SIGN_UP_RATE = "2/hour"
    settings.ACCOUNT_CODE_CHECK_RATE = "2/hour"
    assert sign_up(client, django_capture_on_commit_callbacks, "a@anju.example").status_code == 303
    assert sign_up(client, django_capture_on_commit_callbacks, "b@anju.example").status_code == 303
    refused = sign_up(client, django_capture_on_commit_callbacks, "c@anju.example")
    assert refused.status_code == 429 and refused["Retry-After"] and 'id="throttled"' in html(refused)
    assert not SignInAddress.objects.filter(address="c@anju.example").exists()
    assert client.post(reverse("account:verify"), {"resend": "1"}).status_code == 429
    assert [client.post(reverse("account:verify"), {"code": "999999"}).status_code for _ in range(3)] == [
        400,
        400,
        429,
    ]


def test_a_new_code_can_be_asked_for(client, mailoutbox, django_capture_on_commit_callbacks):
    sign_up(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account:verify"), {"resend": "1"})
    assert response.status_code == 303 and len(mailoutbox) == 2
    code = CODE.search(mailoutbox[1].body).group(1)
    assert client.post(reverse("account:verify"), {"code": code})["Location"] == reverse("account:home")


def test_my_account_of_agency_staff_is_their_desk(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("account:home"))["Location"] == reverse("sanctions:records")


def test_the_code_page_without_a_sign_up_sends_back_to_the_start(client):
    assert client.get(reverse("account:verify"))["Location"] == reverse("account:sign-up")


def test_a_signed_in_user_is_not_asked_to_sign_up_again(client, enterprise, registry_admin):
    client.force_login(UserFactory(username="someone"))
    assert client.get(reverse("account:sign-up"))["Location"] == reverse("account:home")


def test_the_portal_links_to_both_sign_in_pages(client):
    page = html(client.get(reverse("lookup:search")))
    assert f'href="{reverse("account:sign-in")}"' in page and f'href="{reverse("login")}"' in page
