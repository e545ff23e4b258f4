"""Ed25519 tokens: genuine ones verify offline with the published key; anything else is refused."""

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lookup import signing


def _raw(key: Ed25519PrivateKey) -> str:
    return signing.b64encode(
        key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
    )


@pytest.fixture
def two_keys(settings):
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    settings.SIGNING_KEYS = {"2025a": _raw(old), "2026a": _raw(new)}
    settings.SIGNING_CURRENT_KID = "2026a"
    signing.keyring.cache_clear()
    yield old, new
    signing.keyring.cache_clear()


def test_a_token_verifies_and_carries_its_key_id(two_keys):
    token = signing.sign(b"badge:42")
    assert signing.verify(token) == ("2026a", b"badge:42")


def test_any_altered_character_is_refused(two_keys):
    token = signing.sign(b"badge:42")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    refused = 0
    for i, ch in enumerate(token):
        if ch == ".":
            continue
        other = alphabet[(alphabet.index(ch) + 1) % len(alphabet)]
        altered = token[:i] + other + token[i + 1 :]
        try:
            signing.verify(altered)
        except signing.BadSignature:
            refused += 1
    assert refused == len(token) - 1


def test_a_payload_swapped_between_tokens_is_refused(two_keys):
    first, second = signing.sign(b"one"), signing.sign(b"two")
    with pytest.raises(signing.BadSignature):
        signing.verify(first.split(".")[0] + "." + second.split(".")[1])


def test_a_signature_from_another_key_is_refused(two_keys, settings):
    token = signing.sign(b"x")
    body = token.split(".")[0]
    forged = Ed25519PrivateKey.generate().sign(signing.b64decode(body))
    with pytest.raises(signing.BadSignature):
        signing.verify(body + "." + signing.b64encode(forged))


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "....", "AAAA.AAAA", "ü.ü"])
def test_garbage_is_refused(two_keys, garbage):
    with pytest.raises(signing.BadSignature):
        signing.verify(garbage)


def test_rotation_keeps_old_tokens_valid_with_a_public_key_only(two_keys, settings):
    old, new = two_keys
    settings.SIGNING_CURRENT_KID = "2025a"
    signing.keyring.cache_clear()
    old_token = signing.sign(b"old")
    public_old = signing.b64encode(
        old.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    settings.SIGNING_KEYS = {"2026a": _raw(new)}
    settings.SIGNING_CURRENT_KID = "2026a"
    settings.SIGNING_PUBLIC_KEYS = {"2025a": public_old}
    signing.keyring.cache_clear()
    assert signing.verify(old_token) == ("2025a", b"old")
    assert signing.verify(signing.sign(b"new"))[0] == "2026a"


def test_the_published_keys_verify_a_token_offline(two_keys, client):
    token = signing.sign(b"offline")
    jwks = client.get("/.well-known/credit-registry-keys.json").json()
    key = next(k for k in jwks["keys"] if k["current"])
    assert key["kid"] == "2026a" and "d" not in key
    public = Ed25519PublicKey.from_public_bytes(signing.b64decode(key["x"]))
    body, signature = token.split(".")
    public.verify(signing.b64decode(signature), signing.b64decode(body))  # raises if not genuine


def test_production_refuses_to_invent_keys(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.SIGNING_KEYS = {}
    settings.SIGNING_REQUIRE_CONFIGURED_KEYS = True
    signing.keyring.cache_clear()
    with pytest.raises(ImproperlyConfigured):
        signing.sign(b"x")
    signing.keyring.cache_clear()


def test_outside_production_one_key_is_generated_once_and_kept(settings, tmp_path):
    settings.SIGNING_KEYS_FILE = tmp_path / "signing-keys.json"
    first = signing._dev_keys_file()
    assert list(first) == ["dev1"]
    assert signing._dev_keys_file() == first
    assert oct(settings.SIGNING_KEYS_FILE.stat().st_mode & 0o777) == "0o600"


def test_a_process_that_loses_the_race_to_create_the_key_file_uses_the_winners_key(
    settings, tmp_path, monkeypatch
):
    """Two processes starting together both find no file; the one that links second keeps nothing
    of its own, leaves no draft behind, and signs with the key the first one wrote."""
    path = tmp_path / "signing-keys.json"
    settings.SIGNING_KEYS_FILE = path
    winner = {"dev1": _raw(Ed25519PrivateKey.generate())}
    path.write_text(json.dumps(winner))
    monkeypatch.setattr(type(path), "exists", lambda self: False)  # it looked before the winner wrote

    assert signing._dev_keys_file() == winner
    assert [p.name for p in tmp_path.iterdir()] == ["signing-keys.json"]
