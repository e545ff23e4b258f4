"""Instance A's own changes, made through its services in its own process and database
(``python -m tests.sync.seed_a STEP`` with A's environment): the partner the sync tests follow.

Prints what the step did as JSON on its last line."""

from __future__ import annotations

import json
import sys


def main(step: str) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from registry.choices import StaffRoleKind
    from registry.models import Agency, Enterprise, StaffRole
    from registry.services import enterprise_register
    from sanctions.models import CreditRecord
    from sanctions.records import services
    from sanctions.remedies import repair
    from tests.factories import AgencyFactory, UserFactory, enterprise_code
    from tests.sanctions.remedies.helpers import (
        days_ago,
        enterprise_account,
        good_materials,
        publish_listing,
        publish_penalty,
    )

    User = get_user_model()

    def current(number: str) -> CreditRecord:
        return CreditRecord.objects.get(document_number=number, is_current=True)

    if step == "setup":
        admin = UserFactory(username="registry_admin")
        StaffRole.objects.create(user=admin, role=StaffRoleKind.REGISTRY_ADMIN)
        agency = AgencyFactory(name="浙江省市场监督管理局")
        clerk, reviewer = UserFactory(username="clerk"), UserFactory(username="reviewer")
        StaffRole.objects.create(user=clerk, agency=agency, role=StaffRoleKind.CLERK)
        StaffRole.objects.create(user=reviewer, agency=agency, role=StaffRoleKind.REVIEWER)
        firm = enterprise_register(
            actor=admin,
            data={
                "uscc": enterprise_code(7001),
                "name": "杭州西湖同步测试有限公司",
                "legal_representative": "王小明",
            },
        )
        other = enterprise_register(
            actor=admin, data={"uscc": enterprise_code(7002), "name": "杭州滨江名单测试有限公司"}
        )
        fine = publish_penalty(clerk, reviewer, agency, firm, document_number="浙市监罚〔2026〕1号")
        publish_penalty(
            clerk,
            reviewer,
            agency,
            firm,
            document_number="浙市监罚〔2026〕2号",
            decision_date=days_ago(125),
        )
        publish_penalty(
            clerk,
            reviewer,
            agency,
            firm,
            document_number="浙市监罚〔2026〕3号",
            violation_facts="<script>alert('x')</script>在网站发布虚假宣传。",
        )
        listing = publish_listing(clerk, reviewer, agency, other, kind="dishonest")
        return {
            "firm": firm.uscc,
            "other": other.uscc,
            "agency": agency.uscc,
            "fine_key": str(fine.record_key),
            "listing": listing.pk,
        }
    clerk, reviewer = User.objects.get(username="clerk"), User.objects.get(username="reviewer")
    if step == "correct":
        record = current("浙市监罚〔2026〕1号")
        new = services.record_correct(
            actor=clerk,
            record=record,
            data={"content": "罚款人民币三万元", "fine_amount": "3"},
            reason="金额笔误",
        )
        services.record_publish(actor=reviewer, record=new)
        return {"version": new.version}
    if step == "revoke":
        services.record_revoke(actor=clerk, record=current("浙市监罚〔2026〕1号"), reason="复议撤销")
        return {"revoked": True}
    if step == "repair":
        record = current("浙市监罚〔2026〕2号")
        admin = User.objects.get(username="registry_admin")
        account = enterprise_account(admin, Enterprise.objects.get(pk=record.enterprise_id), "ent_account")
        application = repair.repair_apply(
            actor=account, record=record, statement="罚款已缴清，已整改。", materials=good_materials()
        )
        repair.repair_approve(actor=reviewer, application=application, reason="已履行，消除影响。")
        return {"repaired_at": timezone.now().isoformat()}
    if step == "publish-more":
        agency = Agency.objects.get(name="浙江省市场监督管理局")
        firm = Enterprise.objects.get(uscc=enterprise_code(7001))
        numbers = [f"浙市监罚〔2026〕{n}号" for n in range(10, 10 + int(sys.argv[2]))]
        for number in numbers:
            publish_penalty(clerk, reviewer, agency, firm, document_number=number)
        return {"published": numbers}
    raise SystemExit(f"unknown step {step}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1]), ensure_ascii=False))
