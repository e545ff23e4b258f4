"""Who acts in the demo: the demo agencies, each with its clerk and reviewer, the registry's
administrator, and enterprise accounts made through the claim-code flow when an enterprise must act."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils import timezone

from registry import services as registry_services
from registry.accounts import claim_code_issue, enterprise_account_confirm, enterprise_claim
from registry.choices import StaffRoleKind
from registry.models import Agency, Enterprise, EnterpriseAccount, EnterpriseAccountStatus, StaffRole
from registry.permissions import ensure_registry_admin
from registry.seeding import demo_agencies, demo_data_refusal, demo_user_create

from .decisions import AgencyInfo


class DemoUnavailable(Exception):
    """The demo's agencies or staff are missing: run the registry's demo seed first."""


@dataclass
class SeedContext:
    today: dt.date
    admin: object
    agencies: dict[str, AgencyInfo]
    models: dict[str, Agency]
    staff: dict[str, tuple[object, object]]  # code -> (clerk, reviewer)
    accounts: dict[int, object] = field(default_factory=dict)

    @classmethod
    def load(cls, *, actor=None, today: dt.date | None = None) -> SeedContext:
        """The demo agencies that exist with a clerk and a reviewer each (``registry.seeding.demo_seed``)."""
        from django.core.exceptions import PermissionDenied

        actor = actor or registry_services.system_actor()
        ensure_registry_admin(actor)
        refusal = demo_data_refusal()
        if refusal:
            raise PermissionDenied(refusal)
        User = get_user_model()
        fixture = demo_agencies()
        by_name = {a.name: a for a in Agency.objects.filter(name__in=[item["name"] for item in fixture])}
        usernames = [f"{item['code']}_{role}" for item in fixture for role in ("clerk", "reviewer")]
        users = {u.username: u for u in User.objects.filter(username__in=usernames, is_active=True)}
        roles = set(
            StaffRole.objects.filter(user__username__in=usernames).values_list(
                "user__username", "agency_id", "role"
            )
        )
        agencies, models, staff = {}, {}, {}
        for item in fixture:
            agency = by_name.get(item["name"])
            clerk = users.get(f"{item['code']}_clerk")
            reviewer = users.get(f"{item['code']}_reviewer")
            if agency is None or clerk is None or reviewer is None:
                continue
            if (clerk.username, agency.pk, StaffRoleKind.CLERK) not in roles or (
                reviewer.username,
                agency.pk,
                StaffRoleKind.REVIEWER,
            ) not in roles:
                continue
            agencies[item["code"]] = AgencyInfo(
                item["code"], agency.name, agency.uscc, item["short"], agency.pk
            )
            models[item["code"]] = agency
            staff[item["code"]] = (clerk, reviewer)
        if "samr" not in agencies:
            raise DemoUnavailable("The demo agencies and their staff are missing: run the demo seed first.")
        return cls(
            today=today or timezone.localdate(), admin=actor, agencies=agencies, models=models, staff=staff
        )

    def agency(self, code: str) -> Agency:
        return self.models[code]

    def clerk(self, code: str):
        return self.staff[code][0]

    def reviewer(self, code: str):
        return self.staff[code][1]

    def code_of(self, agency_id: int) -> str:
        return next(code for code, info in self.agencies.items() if info.pk == agency_id)

    def account_for(self, enterprise: Enterprise, *, username: str | None = None, can_sign_in: bool = False):
        """The enterprise's confirmed account, made the way every enterprise gets one when missing:
        an administrator issues a claim code, the person claims, the administrator confirms."""
        user = self.accounts.get(enterprise.pk)
        if user is not None:
            return user
        account = (
            EnterpriseAccount.objects.filter(enterprise=enterprise, status=EnterpriseAccountStatus.ACTIVE)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        if account is None:
            user, _created = demo_user_create(
                actor=self.admin, username=username or f"e{enterprise.uscc.lower()}", can_sign_in=can_sign_in
            )
            _claim, code = claim_code_issue(actor=self.admin, enterprise=enterprise)
            account = enterprise_claim(actor=user, uscc=enterprise.uscc, code=code)
            enterprise_account_confirm(actor=self.admin, account=account)
        self.accounts[enterprise.pk] = account.user
        return account.user
