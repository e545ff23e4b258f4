"""Developer API keys for the public API: issue (the key is shown once), revoke, authenticate.

A key is ``dk_<prefix>_<secret>``, sent in the ``X-Api-Key`` header; only the SHA-256 of the whole
key is stored. A key identifies a developer for a higher quota; it grants no other right — the
public API shows the same public records to everyone.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from registry.audit import audit_write
from registry.permissions import ensure_registry_admin
from registry.tokens import TokenAuthentication

from .models import DeveloperKey

if TYPE_CHECKING:
    from django.contrib.auth.models import User

HEADER = "X-Api-Key"
HEADER_META = "HTTP_X_API_KEY"
KEY_PREFIX = "dk_"
MAX_REQUESTS_PER_MINUTE = 100_000


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def developer_key_issue(
    *, actor: User, name: str, contact_email: str, organisation: str = "", requests_per_minute: int = 600
) -> tuple[DeveloperKey, str]:
    """Issue a key to a developer; returns (key row, key). The key is never shown again."""
    ensure_registry_admin(actor)
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Name the application that will use this key.")]
    try:
        validate_email(contact_email or "")
    except ValidationError:
        errors["contact_email"] = [_("Give an e-mail address where the developer can be reached.")]
    try:
        rpm = int(requests_per_minute)
    except (TypeError, ValueError):
        rpm = 0
    if not 1 <= rpm <= MAX_REQUESTS_PER_MINUTE:
        errors["requests_per_minute"] = [
            _("A key allows between 1 and %(max)d requests per minute.") % {"max": MAX_REQUESTS_PER_MINUTE}
        ]
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    row = DeveloperKey.objects.create(
        name=name,
        organisation=(organisation or "").strip(),
        contact_email=contact_email.strip(),
        prefix=prefix,
        key_hash=_hash(key),
        requests_per_minute=rpm,
        created_by=actor,
    )
    audit_write(
        actor=actor,
        action="developer_key.issue",
        target=row,
        after={
            "name": row.name,
            "organisation": row.organisation,
            "contact_email": row.contact_email,
            "prefix": prefix,
            "requests_per_minute": rpm,
        },
    )
    return row, key


@transaction.atomic
def developer_key_revoke(*, actor: User, key: DeveloperKey) -> DeveloperKey:
    """Revoke a key at once: the next request with it is refused."""
    ensure_registry_admin(actor)
    key = DeveloperKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at:
        return key
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit_write(
        actor=actor,
        action="developer_key.revoke",
        target=key,
        before={"revoked_at": None},
        after={"revoked_at": key.revoked_at},
    )
    return key


def developer_key_find(key: str) -> DeveloperKey | None:
    """The live (unrevoked) key row for a presented key, or None."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    return DeveloperKey.objects.filter(key_hash=_hash(key), revoked_at__isnull=True).first()


class DeveloperKeyAuthentication(authentication.BaseAuthentication):
    """``X-Api-Key: dk_…`` — the request stays anonymous but is counted against the key's quota.

    No header: anonymous use. A header with an unknown or revoked key: 401, never a silent fall back
    to the anonymous quota, so that a developer notices a revoked key at once.
    """

    def authenticate(self, request):
        presented = request.META.get(HEADER_META, "").strip()
        if not presented:
            return None
        found = developer_key_find(presented)
        if found is None:
            raise exceptions.AuthenticationFailed(_("This API key is unknown or revoked."))
        return AnonymousUser(), found

    def authenticate_header(self, request):
        return HEADER


class KeyOrAgencyTokenAuthentication(authentication.BaseAuthentication):
    """A developer key (``X-Api-Key: dk_…``) or an agency API token (``Authorization: Bearer crt_…``),
    for the endpoints that serve both (the webhooks API): the key wins where both are valid.

    Every credential presented must be valid, whichever would authenticate the request: a wrong
    token beside a right key (or the reverse), an empty ``X-Api-Key`` or an ``Authorization`` header
    that holds no agency token (another scheme) beside another credential is a 401, never a request
    let through on the other one.
    """

    def authenticate(self, request):
        key = DeveloperKeyAuthentication().authenticate(request)  # raises for a wrong key
        token = TokenAuthentication().authenticate(request)  # raises for a wrong or malformed token
        if HEADER_META in request.META and not request.META[HEADER_META].strip():
            raise exceptions.AuthenticationFailed(_("The X-Api-Key header is empty."))
        if "HTTP_AUTHORIZATION" in request.META and token is None:
            raise exceptions.AuthenticationFailed(_("The Authorization header holds no agency API token."))
        return key or token

    def authenticate_header(self, request):
        return HEADER
