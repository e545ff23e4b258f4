"""System checks of the signing keys, run by ``manage.py check --deploy`` and by ``/readyz``.

Without its keys, production would start and answer 200 on ``/readyz`` while every report, badge and
the published key set answered 500; after a restore without them, everything issued before reads
"not genuine". So a missing or unusable key set is a deployment error, and the readiness probe
reports it (``registry.health.readyz`` runs the checks tagged ``SIGNING_KEYS_TAG``).
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from registry.health import SIGNING_KEYS_TAG

from . import signing

_HINT = (
    'Set SIGNING_KEYS to JSON {"kid": "<base64url 32-byte Ed25519 private key>"} (`make signing-key` '
    "prints a key) and SIGNING_CURRENT_KID; restore the same keys with every database backup."
)


@checks.register(SIGNING_KEYS_TAG, deploy=True)
def signing_keys_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """lookup.E001: required keys missing; lookup.E002: keys unusable; lookup.W001: the development key."""
    if not settings.SIGNING_KEYS:
        if settings.SIGNING_REQUIRE_CONFIGURED_KEYS:
            return [
                checks.Error(
                    "SIGNING_KEYS is not set: credit reports and QR badges cannot be signed or verified, "
                    "and the published key set cannot be served.",
                    hint=_HINT,
                    id="lookup.E001",
                )
            ]
        return [
            checks.Warning(
                f"SIGNING_KEYS is not set: reports and badges are signed with the development key in "
                f"{settings.SIGNING_KEYS_FILE}, which no backup of the database holds.",
                hint=_HINT,
                id="lookup.W001",
            )
        ]
    try:
        ring = signing.load_keyring()
        probe = b"readiness"
        key = ring.private[ring.current_kid]
        ring.public[ring.current_kid].verify(key.sign(probe), probe)
    except ImproperlyConfigured as exc:
        return [checks.Error(f"The signing keys cannot be used: {exc}", hint=_HINT, id="lookup.E002")]
    except Exception as exc:  # noqa: BLE001 - a key that cannot sign and verify is not usable
        return [
            checks.Error(
                f"The current signing key cannot sign and verify: {exc.__class__.__name__}.",
                hint=_HINT,
                id="lookup.E002",
            )
        ]
    return []
