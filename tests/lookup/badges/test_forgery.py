"""Forged badges: any change to a token, a foreign key or facts the registry never issued is not genuine."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from lookup import signing
from lookup.badges import services, tokens
from tests.lookup.badges.support import result_of

pytestmark = [pytest.mark.django_db]


def _flip(char: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return alphabet[(alphabet.index(char) + 1) % len(alphabet)]


def test_a_token_with_one_character_changed_is_not_genuine(badge):
    body, signature = badge.token.split(".")
    for position in (0, len(body) // 2, len(body) - 2):
        altered = body[:position] + _flip(body[position]) + body[position + 1 :] + "." + signature
        assert result_of(altered) == "not_genuine"
    altered = body + "." + _flip(signature[0]) + signature[1:]
    assert result_of(altered) == "not_genuine"


def test_a_payload_swapped_between_two_genuine_badges_is_not_genuine(owner, enterprise, badge):
    second = services.badge_issue(actor=owner, enterprise=enterprise, sector="healthcare")
    swapped = second.token.split(".")[0] + "." + badge.token.split(".")[1]
    assert result_of(swapped) == "not_genuine"


def test_a_signature_from_another_key_is_not_genuine(badge):
    body = badge.token.split(".")[0]
    forged = Ed25519PrivateKey.generate().sign(signing.b64decode(body))
    assert result_of(body + "." + signing.b64encode(forged)) == "not_genuine"


def test_an_unknown_key_id_is_not_genuine(badge):
    payload = signing.verify(badge.token)[1]
    key = Ed25519PrivateKey.generate()
    body = bytes([5]) + b"rogue" + payload
    assert result_of(signing.b64encode(body) + "." + signing.b64encode(key.sign(body))) == "not_genuine"


def test_a_genuine_signature_over_facts_the_registry_never_issued_is_not_genuine(badge, enterprise):
    kid, payload = tokens.token_read(badge.token)
    other_dates = tokens.BadgePayload(
        serial=payload.serial,
        uscc=payload.uscc,
        staff_id=None,
        issued_on=payload.issued_on,
        expires_on=payload.expires_on + dt.timedelta(days=1),
    )
    assert result_of(signing.sign(tokens.pack(other_dates))) == "not_genuine"
    unknown_serial = tokens.BadgePayload(
        serial=payload.serial + 1,
        uscc=payload.uscc,
        staff_id=None,
        issued_on=payload.issued_on,
        expires_on=payload.expires_on,
    )
    assert result_of(signing.sign(tokens.pack(unknown_serial))) == "not_genuine"


def test_a_badge_signed_with_a_retired_key_still_verifies(settings, badge):
    """Keys rotate: badges already printed keep verifying while the old key is published."""
    from cryptography.hazmat.primitives import serialization

    old_private = signing.keyring().private[badge.key_id]
    new = Ed25519PrivateKey.generate()
    raw = new.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = old_private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    settings.SIGNING_KEYS = {"2099a": signing.b64encode(raw)}
    settings.SIGNING_PUBLIC_KEYS = {badge.key_id: signing.b64encode(public)}
    settings.SIGNING_CURRENT_KID = "2099a"
    signing.keyring.cache_clear()
    try:
        assert result_of(badge.token) == "valid"
    finally:
        signing.keyring.cache_clear()
