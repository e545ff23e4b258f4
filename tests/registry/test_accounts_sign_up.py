"""Enterprise users sign themselves up: an e-mail address or mobile number, a password checked by
Django's validators, and a one-time code that expires and allows a few tries (registry/sign_up.py)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from registry import sign_up
from registry.models import AuditEntry, SignInAddress
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db]
PASSWORD = "Qiye-mima-2026"
CODE = re.compile(r"\b(\d{6})\b")
SENT: list[tuple[str, str]] = []


def capture_sender(phone: str, message: str) -> None:
    """A stand-in SMS gateway (ACCOUNT_SMS_SENDER names it in these tests)."""
    SENT.append((phone, message))


@pytest.fixture(autouse=True)
def _english_and_a_gateway(settings):
    settings.ACCOUNT_SMS_SENDER = f"{__name__}.capture_sender"
    SENT.clear()
    with translation.override("en"):
        yield


def start(capture, address="Li.Ming@Example.com", password=PASSWORD):
    with capture(execute=True):
        return sign_up.sign_up_start(address=address, password=password)


def code_in(text: str) -> str:
    return CODE.search(text).group(1)


# -- addresses -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Li.Ming@Example.COM", ("email", "li.ming@example.com")),
        ("  li＠example.com ", ("email", "li@example.com")),
        ("13812345678", ("phone", "+8613812345678")),
        ("+86 138-1234-5678", ("phone", "+8613812345678")),
        ("0086 13812345678", ("phone", "+8613812345678")),
        ("8613812345678", ("phone", "+8613812345678")),
        ("１３８１２３４５６７８", ("phone", "+8613812345678")),  # typed with a Chinese keyboard
    ],
)
def test_addresses_are_read_as_people_write_them(typed, expected):
    assert sign_up.parse_address(typed) == expected


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Enter an e-mail address or a mobile number."),
        ("li@", "is not an e-mail address"),
        ("1381234567", "has 11 digits; this one has 10"),
        ("12812345678", "starts with 13 to 19"),
        ("138①2345678", "digits only"),  # a look-alike digit is refused, not folded
        ("tel 13812345678", "digits only"),
    ],
)
def test_a_wrong_address_says_what_is_wrong(typed, says):
    with pytest.raises(ValidationError) as exc:
        sign_up.parse_address(typed)
    assert says in exc.value.messages[0]


def test_addresses_are_masked_on_pages():
    assert sign_up.mask_address("phone", "+8613812345678") == "138****5678"
    assert sign_up.mask_address("email", "li.ming@example.com") == "l***@example.com"


# -- sign-up and code ----------------------------------------------------------------------------------
def test_sign_up_by_e_mail_sends_a_code_and_creates_the_user_with_it(
    mailoutbox, django_capture_on_commit_callbacks
):
    pending = start(django_capture_on_commit_callbacks)
    assert pending.address == "li.ming@example.com" and pending.user is None
    assert not get_user_model().objects.filter(email="li.ming@example.com").exists()  # not before the code
    assert PASSWORD not in pending.password and pending.password.startswith(("md5$", "pbkdf2"))
    [mail] = mailoutbox
    assert mail.to == ["li.ming@example.com"]
    code = code_in(mail.body)
    assert code in mail.subject and code not in pending.code_hash
    user = sign_up.sign_up_verify(pending_id=pending.pk, code=f" {code} ")
    assert user.is_active and user.username.startswith("qy-") and user.email == "li.ming@example.com"
    assert user.check_password(PASSWORD)
    pending.refresh_from_db()
    assert pending.user == user and pending.verified_at and not pending.password and not pending.code_hash


def test_the_audit_trail_records_the_sign_up_without_the_address(
    mailoutbox, django_capture_on_commit_callbacks
):
    pending = start(django_capture_on_commit_callbacks)
    user = sign_up.sign_up_verify(pending_id=pending.pk, code=code_in(mailoutbox[0].body))
    entries = list(AuditEntry.objects.filter(action__startswith="account.").order_by("id"))
    assert [e.action for e in entries] == ["account.sign_up", "account.verify"]
    assert entries[0].actor_label == "public" and entries[1].actor_id == user.pk
    for entry in entries:
        written = json.dumps([entry.actor_label, entry.target_repr, entry.before, entry.after], default=str)
        assert "li.ming" not in written and "example.com" not in written


def test_sign_up_by_phone_sends_a_text_message(django_capture_on_commit_callbacks):
    pending = start(django_capture_on_commit_callbacks, address="138 1234 5678")
    [(phone, message)] = SENT
    assert phone == "+8613812345678"
    user = sign_up.sign_up_verify(pending_id=pending.pk, code=code_in(message))
    assert user.email == "" and sign_up.username_for_sign_in("13812345678") == user.username


def test_without_an_sms_gateway_the_development_log_shows_the_message(
    settings, caplog, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_SMS_SENDER = ""
    settings.DEBUG = True
    with caplog.at_level(logging.WARNING, logger="registry.sms"):
        start(django_capture_on_commit_callbacks, address="13812345678")
    [line] = [r.getMessage() for r in caplog.records if r.name == "registry.sms"]
    assert line.startswith("SMS would be sent to +8613812345678") and CODE.search(line)


def test_without_an_sms_gateway_in_production_only_e_mail_is_offered(settings):
    settings.ACCOUNT_SMS_SENDER = ""
    settings.DEBUG = False
    assert not sign_up.phone_sign_up_available()
    with pytest.raises(ValidationError) as exc:
        sign_up.sign_up_start(address="13812345678", password=PASSWORD)
    assert "use an e-mail address" in exc.value.message_dict["address"][0]


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("short1", "too short"),
        ("12345678901", "entirely numeric"),
        ("password123", "too common"),
        ("li.ming@example", "too similar"),
    ],
)
def test_the_password_is_checked_by_djangos_validators(password, says):
    with pytest.raises(ValidationError) as exc:
        sign_up.sign_up_start(address="li.ming@example.com", password=password)
    assert any(says in m for m in exc.value.message_dict["password"])
    assert not SignInAddress.objects.exists()


def test_a_wrong_code_counts_and_the_tries_run_out(settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.ACCOUNT_CODE_MAX_ATTEMPTS = 3
    pending = start(django_capture_on_commit_callbacks)
    code = code_in(mailoutbox[0].body)
    wrong = "000000" if code != "000000" else "111111"
    messages = []
    for _ in range(3):
        with pytest.raises(ValidationError) as exc:
            sign_up.sign_up_verify(pending_id=pending.pk, code=wrong)
        messages.append(exc.value.message_dict["code"][0])
    assert messages[:2] == [
        "This code is not right. You may try 2 more times.",
        "This code is not right. You may try 1 more time.",
    ]
    assert messages[2] == "Too many wrong codes. Ask for a new code."
    with pytest.raises(ValidationError):  # not even the right one now
        sign_up.sign_up_verify(pending_id=pending.pk, code=code)
    pending.refresh_from_db()
    assert pending.code_attempts == 3 and pending.user is None


def test_a_code_expires(settings, mailoutbox, django_capture_on_commit_callbacks):
    pending = start(django_capture_on_commit_callbacks)
    SignInAddress.objects.filter(pk=pending.pk).update(
        code_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(ValidationError) as exc:
        sign_up.sign_up_verify(pending_id=pending.pk, code=code_in(mailoutbox[0].body))
    assert exc.value.message_dict["code"] == ["This code has expired. Ask for a new code."]
    assert pending.code_expires_at - pending.code_sent_at == dt.timedelta(
        minutes=settings.ACCOUNT_CODE_MINUTES
    )


def test_a_new_code_replaces_the_old_one_and_the_tries_start_again(
    mailoutbox, django_capture_on_commit_callbacks
):
    pending = start(django_capture_on_commit_callbacks)
    old = code_in(mailoutbox[0].body)
    SignInAddress.objects.filter(pk=pending.pk).update(code_attempts=4)
    with django_capture_on_commit_callbacks(execute=True):
        sign_up.code_resend(pending_id=pending.pk)
    new = code_in(mailoutbox[1].body)
    if new != old:
        with pytest.raises(ValidationError):
            sign_up.sign_up_verify(pending_id=pending.pk, code=old)
    assert sign_up.sign_up_verify(pending_id=pending.pk, code=new).is_active


def test_signing_up_again_with_an_address_that_has_an_account_sends_a_note_and_no_code(
    mailoutbox, django_capture_on_commit_callbacks
):
    first = start(django_capture_on_commit_callbacks)
    sign_up.sign_up_verify(pending_id=first.pk, code=code_in(mailoutbox[0].body))
    again = start(
        django_capture_on_commit_callbacks, address="LI.MING@example.com", password="Another-pass-99"
    )
    assert isinstance(again, SignInAddress)  # the same answer as for a new address
    note = mailoutbox[1]
    assert "already has an account" in note.body and not CODE.search(note.subject + note.body)
    for guess in ("000000", "123456"):
        with pytest.raises(ValidationError):
            sign_up.sign_up_verify(pending_id=again.pk, code=guess)
    assert get_user_model().objects.filter(email="li.ming@example.com").count() == 1


def test_an_address_an_administrator_gave_a_user_counts_as_taken(
    mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(username="zhang", email="Zhang@Example.com")
    start(django_capture_on_commit_callbacks, address="zhang@example.com")
    assert "already has an account" in mailoutbox[0].body


def test_codes_to_one_address_are_limited(settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.ACCOUNT_CODE_SEND_RATE = "2/hour"
    start(django_capture_on_commit_callbacks)
    pending = start(django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError) as exc:
        sign_up.code_resend(pending_id=pending.pk)
    assert "Too many codes were sent to this address" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        sign_up.sign_up_start(address="li.ming@example.com", password=PASSWORD)
    start(django_capture_on_commit_callbacks, address="someone.else@example.com")  # another address is fine
    assert len(mailoutbox) == 3


def test_only_the_latest_sign_up_of_an_address_verifies(mailoutbox, django_capture_on_commit_callbacks):
    first = start(django_capture_on_commit_callbacks)
    second = start(django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        sign_up.sign_up_verify(pending_id=first.pk, code=code_in(mailoutbox[0].body))
    assert sign_up.sign_up_verify(pending_id=second.pk, code=code_in(mailoutbox[1].body)).is_active


def test_a_verified_sign_up_cannot_be_verified_again(mailoutbox, django_capture_on_commit_callbacks):
    pending = start(django_capture_on_commit_callbacks)
    code = code_in(mailoutbox[0].body)
    sign_up.sign_up_verify(pending_id=pending.pk, code=code)
    with pytest.raises(ValidationError) as exc:
        sign_up.sign_up_verify(pending_id=pending.pk, code=code)
    assert "no longer waiting" in exc.value.messages[0]
    assert get_user_model().objects.filter(email="li.ming@example.com").count() == 1


def test_sign_in_names_for_addresses_and_user_names(mailoutbox, django_capture_on_commit_callbacks):
    pending = start(django_capture_on_commit_callbacks)
    user = sign_up.sign_up_verify(pending_id=pending.pk, code=code_in(mailoutbox[0].body))
    assert sign_up.username_for_sign_in("LI.MING@EXAMPLE.COM") == user.username
    assert sign_up.username_for_sign_in("landlord") == "landlord"  # made by an administrator
    assert sign_up.username_for_sign_in("nobody@example.com") == "nobody@example.com"  # matches no one
