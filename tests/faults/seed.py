"""What the PostgreSQL fault test's portal holds, made in a subprocess against that portal's database
(no tests here): ``python -m tests.faults.seed`` prints the addresses and the clerk's session as JSON."""

from __future__ import annotations

import json


def seed() -> dict:
    from django.test import Client

    from lookup.badges import services as badge_services
    from registry.choices import StaffRoleKind
    from registry.models import StaffRole
    from tests.factories import AgencyFactory, EnterpriseFactory, UserFactory
    from tests.lookup.badges.support import confirmed_account, publish_serious_penalty

    agency = AgencyFactory(name="浙江省市场监督管理局")
    clerk, reviewer, admin = (UserFactory(username=name) for name in ("clerk", "reviewer", "registry_admin"))
    StaffRole.objects.create(user=clerk, agency=agency, role=StaffRoleKind.CLERK)
    StaffRole.objects.create(user=reviewer, agency=agency, role=StaffRoleKind.REVIEWER)
    StaffRole.objects.create(user=admin, role=StaffRoleKind.REGISTRY_ADMIN)
    enterprise = EnterpriseFactory(name="杭州宕机测试科技有限公司")
    publish_serious_penalty(clerk=clerk, reviewer=reviewer, agency=agency, enterprise=enterprise)
    owner = confirmed_account(registry_admin=admin, enterprise=enterprise, username="owner")
    scanned = badge_services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")
    unscanned = badge_services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_services")
    browser = Client()
    browser.force_login(clerk)
    return {
        "uscc": enterprise.uscc,
        "scanned": scanned.token,
        "unscanned": unscanned.token,
        "session": browser.cookies["sessionid"].value,
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(seed()))
