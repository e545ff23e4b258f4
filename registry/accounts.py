"""Enterprise accounts: a person acts for one enterprise once a registry administrator confirms it.

The administrator issues a one-time code (given to the enterprise out of band, e.g. on paper to
its legal representative); the person signs in and claims the enterprise with the code; the
administrator confirms. Only the hash of the code is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import uscc as uscc_codes
from .audit import audit_write
from .models import Enterprise, EnterpriseAccount, EnterpriseAccountStatus, EnterpriseClaimCode, StaffRole
from .permissions import ensure_registry_admin

CODE_DAYS = 30
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by people


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").replace(" ", "").upper().encode()).hexdigest()


@transaction.atomic
def claim_code_issue(
    *, actor, enterprise: Enterprise, days: int = CODE_DAYS
) -> tuple[EnterpriseClaimCode, str]:
    """A one-time code for the enterprise; returns (record, code). The code is shown once."""
    ensure_registry_admin(actor)
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(12))
    code = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
    claim = EnterpriseClaimCode.objects.create(
        enterprise=enterprise,
        code_hash=_hash(code),
        issued_by=actor,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    audit_write(
        actor=actor,
        action="enterprise_account.code_issue",
        target=enterprise,
        after={"claim_code_id": claim.pk, "expires_at": claim.expires_at},
    )
    return claim, code


@transaction.atomic
def enterprise_claim(*, actor, uscc: str, code: str) -> EnterpriseAccount:
    """A signed-in person claims an enterprise with its one-time code; an administrator confirms."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("Sign in first."))
    if EnterpriseAccount.objects.filter(user=actor).exclude(status=EnterpriseAccountStatus.REVOKED).exists():
        raise ValidationError(_("Your account already acts for an enterprise."))
    enterprise = Enterprise.objects.filter(uscc=uscc_codes.compact(uscc)).first()
    claim = (
        EnterpriseClaimCode.objects.select_for_update()
        .filter(code_hash=_hash(code or ""), enterprise=enterprise)
        .first()
        if enterprise
        else None
    )
    if claim is None or claim.used_at is not None or claim.expires_at <= timezone.now():
        raise ValidationError(
            {"code": [_("This code is not valid for this enterprise, or it was used or has expired.")]}
        )
    claim.used_at = timezone.now()
    claim.used_by = actor
    claim.save(update_fields=["used_at", "used_by"])
    account = EnterpriseAccount.objects.create(user=actor, enterprise=enterprise, claim_code=claim)
    audit_write(
        actor=actor,
        action="enterprise_account.claim",
        target=account,
        after={"enterprise": enterprise.uscc, "user": actor.get_username()},
    )
    return account


@transaction.atomic
def enterprise_account_confirm(*, actor, account: EnterpriseAccount) -> EnterpriseAccount:
    """A registry administrator confirms that the person acts for the enterprise."""
    ensure_registry_admin(actor)
    if account.status != EnterpriseAccountStatus.PENDING:
        raise ValidationError(_("Only a claim waiting for confirmation can be confirmed."))
    account.status = EnterpriseAccountStatus.ACTIVE
    account.confirmed_by = actor
    account.confirmed_at = timezone.now()
    account.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    audit_write(
        actor=actor,
        action="enterprise_account.confirm",
        target=account,
        before={"status": "pending"},
        after={"status": "active"},
    )
    return account


@transaction.atomic
def enterprise_account_revoke(*, actor, account: EnterpriseAccount) -> EnterpriseAccount:
    """End a person's right to act for the enterprise."""
    ensure_registry_admin(actor)
    before = account.status
    account.status = EnterpriseAccountStatus.REVOKED
    account.save(update_fields=["status"])
    audit_write(
        actor=actor,
        action="enterprise_account.revoke",
        target=account,
        before={"status": before},
        after={"status": "revoked"},
    )
    return account


def enterprise_of(user) -> Enterprise | None:
    """The enterprise a person acts for (confirmed accounts only)."""
    if not getattr(user, "is_authenticated", False):
        return None
    account = (
        EnterpriseAccount.objects.select_related("enterprise")
        .filter(user=user, status=EnterpriseAccountStatus.ACTIVE)
        .first()
    )
    return account.enterprise if account else None


def claim_waiting_of(user) -> EnterpriseAccount | None:
    """A person's claim that waits for an administrator's confirmation, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        EnterpriseAccount.objects.select_related("enterprise")
        .filter(user=user, status=EnterpriseAccountStatus.PENDING)
        .first()
    )


def works_for_an_agency(user) -> bool:
    """Whether the person holds a role at an agency (their work is on the desk, not in an account)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return StaffRole.objects.filter(user=user, agency__isnull=False).exists()


def ensure_acts_for(actor, enterprise: Enterprise) -> None:
    found = enterprise_of(actor)
    if found is None or found.pk != enterprise.pk:
        raise PermissionDenied(
            _("Only a confirmed account of %(name)s may do this.") % {"name": enterprise.name}
        )
