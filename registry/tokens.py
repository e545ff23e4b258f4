"""Agency API tokens: issue (the key is shown once), revoke, and authenticate requests with them.

A token is ``crt_<prefix>_<secret>``; only the SHA-256 of the whole key is stored. Each token acts
as a service account that holds the agency's clerk and reviewer roles, so the record services
check its permissions exactly as they check a person's. A read-only token may only read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions

from .audit import audit_write
from .choices import StaffRoleKind
from .models import Agency, ApiToken, StaffRole
from .permissions import ensure_can_manage_agency_staff

MAX_DAYS = 730


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_issue(
    *, actor, agency: Agency, name: str, days: int = 365, read_only: bool = False
) -> tuple[ApiToken, str]:
    """Issue a token for an agency's system; returns (token, key). The key is never shown again."""
    ensure_can_manage_agency_staff(actor, agency)
    errors = {}
    if not (name or "").strip():
        errors["name"] = [_("Name the system that will use this token.")]
    if not 1 <= int(days) <= MAX_DAYS:
        errors["days"] = [_("A token lasts between 1 and %(max)d days.") % {"max": MAX_DAYS}]
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(4)
    key = f"crt_{prefix}_{secrets.token_urlsafe(32)}"
    User = get_user_model()
    account = User.objects.create(username=f"api-{agency.pk}-{prefix}", is_active=True)
    account.set_unusable_password()
    account.save(update_fields=["password"])
    roles = [StaffRoleKind.CLERK] if read_only else [StaffRoleKind.CLERK, StaffRoleKind.REVIEWER]
    for role in roles:
        StaffRole.objects.create(user=account, agency=agency, role=role, granted_by=actor)
    token = ApiToken.objects.create(
        agency=agency,
        name=name.strip(),
        prefix=prefix,
        key_hash=_hash(key),
        read_only=read_only,
        user=account,
        created_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=int(days)),
    )
    audit_write(
        actor=actor,
        action="token.issue",
        target=token,
        after={
            "agency": agency.uscc,
            "name": token.name,
            "prefix": prefix,
            "read_only": read_only,
            "expires_at": token.expires_at,
        },
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token at once."""
    ensure_can_manage_agency_staff(actor, token.agency)
    if token.revoked_at:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    token.user.is_active = False
    token.user.save(update_fields=["is_active"])
    audit_write(actor=actor, action="token.revoke", target=token, after={"revoked_at": token.revoked_at})
    return token


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer crt_…`` — the request acts as the token's service account."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2 or not header[1].startswith("crt_"):
            raise exceptions.AuthenticationFailed(_("Malformed API token."))
        token = ApiToken.objects.select_related("user", "agency").filter(key_hash=_hash(header[1])).first()
        now = timezone.now()
        if token is None or token.revoked_at or token.expires_at <= now or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This API token is unknown, revoked or expired."))
        if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class ReadOnlyTokenPermission(permissions.BasePermission):
    """A read-only token may use safe methods only."""

    message = "This API token is read-only."

    def has_permission(self, request, view):
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only:
            return request.method in permissions.SAFE_METHODS
        return True
