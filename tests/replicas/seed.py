"""What the replica tests' portal holds, and the publish they watch replicate (no tests here).

Run in a subprocess against the test's own primary, through the services as the desk would:
``python -m tests.replicas.seed`` migrates the database, then prints the enterprises, records, badges
and a clerk's session as JSON;
``python -m tests.replicas.seed publish RECORD_ID`` publishes a submitted record and prints when its
COMMIT was sent, when it had committed (its first on-commit callback) and when the service returned
(after the replicas had replayed it), as ``time.time()``.
"""

from __future__ import annotations

import json
import sys
import time

# One enterprise per check, so that no check reads a page another one cached.
ENTERPRISES = {
    "reads": "杭州副本读取科技有限公司",
    "objection": "杭州副本异议贸易有限公司",
    "publish": "杭州副本发布餐饮有限公司",
    "lagging": "杭州副本滞后咨询有限公司",
    "replica_down": "杭州副本宕机物流有限公司",
    "primary_down": "杭州主库宕机建材有限公司",
    "signed_in": "杭州副本登录服务有限公司",
}


def seed() -> dict:
    from django.test import Client

    from lookup.badges import services as badge_services
    from registry.choices import StaffRoleKind
    from registry.models import Enterprise, StaffRole
    from sanctions.models import CreditRecord
    from sanctions.records import services
    from tests.factories import AgencyFactory, EnterpriseFactory, UserFactory
    from tests.lookup.badges.support import confirmed_account
    from tests.sanctions.payloads import penalty_data

    agency = AgencyFactory(name="浙江省市场监督管理局")
    clerk, reviewer = (UserFactory(username=name) for name in ("clerk", "reviewer"))
    StaffRole.objects.create(user=clerk, agency=agency, role=StaffRoleKind.CLERK)
    StaffRole.objects.create(user=reviewer, agency=agency, role=StaffRoleKind.REVIEWER)
    seeded: dict = {"enterprises": {}, "records": {}, "record_table": CreditRecord._meta.db_table}
    for number, (key, name) in enumerate(ENTERPRISES.items(), start=1):
        enterprise = EnterpriseFactory(name=name)
        document = f"杭市监罚〔2026〕{700 + number}号"
        record, _ = services.record_create(
            actor=clerk,
            agency=agency,
            kind="penalty",
            data=penalty_data(agency, enterprise, document_number=document),
        )
        services.record_submit(actor=clerk, record=record)
        if key not in ("publish", "lagging"):  # published by the tests, to watch them reach the replica
            services.record_publish(actor=reviewer, record=record)
        seeded["enterprises"][key] = {"uscc": enterprise.uscc, "name": name}
        seeded["records"][key] = {"id": record.pk, "document": document}
    # Badges never scanned (a scan's answer is cached): one read while both servers are up, one with
    # the primary down.
    admin = UserFactory(username="registry_admin")
    StaffRole.objects.create(user=admin, role=StaffRoleKind.REGISTRY_ADMIN)
    seeded["badges"] = {}
    for key in ("reads", "primary_down"):
        enterprise = Enterprise.objects.get(uscc=seeded["enterprises"][key]["uscc"])
        owner = confirmed_account(registry_admin=admin, enterprise=enterprise, username=f"owner_{key}")
        badge = badge_services.badge_issue(actor=owner, enterprise=enterprise, sector="housing_rental")
        seeded["badges"][key] = badge.token
    browser = Client()
    browser.force_login(clerk)
    seeded["session"] = browser.cookies["sessionid"].value
    return seeded


def publish(record_id: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from sanctions.models import CreditRecord
    from sanctions.records import services

    reviewer = get_user_model().objects.get(username="reviewer")
    committed: dict = {}
    with transaction.atomic():
        # First among the transaction's on-commit callbacks: the moment it committed.
        transaction.on_commit(lambda: committed.setdefault("committed_at", time.time()))
        services.record_publish(actor=reviewer, record=CreditRecord.objects.get(pk=record_id))
        committed["commit_sent_at"] = time.time()  # COMMIT is sent next
    committed["returned_at"] = time.time()  # after the services' callbacks (the replicas' replay)
    return committed


if __name__ == "__main__":
    import django

    django.setup()
    if sys.argv[1:2] == ["publish"]:
        print(json.dumps(publish(int(sys.argv[2]))))
    else:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(json.dumps(seed()))
