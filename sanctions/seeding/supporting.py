"""The demo's supporting cases: what fills the desks (a record to review, a draft sent back, an
objection to decide), the lists (a watch listing, a listing taken off after repair, one revoked
after an objection), the rare cases (a warning never published, a decision revoked) and the credit
data of the badge enterprises (the abnormal operations list, a revoked business licence)."""

from __future__ import annotations

from registry import services as registry_services
from registry.choices import EnterpriseStatus
from registry.models import Enterprise
from sanctions.choices import ApplicationStatus, ObjectionStatus, Severity
from sanctions.models import Listing

from . import texts
from .builder import Builder, named, violation
from .context import SeedContext
from .lifecycle import repair


def badge_attention(b: Builder) -> None:
    b.listing(
        "abnormal", "js", 60, texts.ABNORMAL_GROUNDS.format(year=b.day(60).year - 1), texts.ABNORMAL_BASIS
    )


def badge_suspended(b: Builder) -> None:
    b.penalty(
        "samr",
        25,
        violation(
            "market",
            "提交虚假材料取得公司登记",
            "当事人在办理公司设立登记时提交虚假的住所使用证明，取得公司登记，情节严重。",
            "《中华人民共和国公司法》第二百五十条；《中华人民共和国市场主体登记管理条例》第四十四条",
            ("fine", "business_licence_revoked"),
            severity=Severity.SERIOUS,
        ),
        fine=5,
    )


def suspended_after(ctx: SeedContext, enterprise: Enterprise) -> None:
    if enterprise.status != EnterpriseStatus.REVOKED:
        registry_services.enterprise_update(
            actor=ctx.admin, enterprise=enterprise, data={"status": EnterpriseStatus.REVOKED}
        )


def awaiting_review(b: Builder) -> None:
    b.penalty("zj", 12, named("使用未经定期检验的特种设备", "fine"), fine=3, stop="submitted")


def sent_back(b: Builder) -> None:
    b.penalty(
        "zj",
        18,
        named("生产不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品", "fine", "confiscation"),
        fine=8,
        confiscated=1.2,
        stop="sent_back",
        comment="没收违法所得金额与处罚决定书不一致，请核对后重新提交。",
    )


def awaiting_review_samr(b: Builder) -> None:
    b.penalty(
        "samr",
        9,
        named("经营超过保质期的食品", "fine", "confiscation"),
        fine=0.5,
        confiscated=0.12,
        stop="submitted",
    )


def objection_forwarded(b: Builder) -> None:
    b.penalty(
        "sh",
        75,
        named("生产不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品", "fine", "confiscation"),
        fine=5,
        confiscated=0.8,
        objection=ObjectionStatus.FORWARDED,
        objection_reason="抽检样品并非本公司生产，系他人假冒本公司标识，请求核查。",
    )


def watch_listed(b: Builder) -> None:
    first = b.penalty("mem", 200, named("未建立事故隐患排查治理制度", "fine"), fine=5)
    second = b.penalty("mem", 40, named("未按照规定对从业人员进行安全生产教育和培训", "fine"), fine=3)
    b.listing(
        "watch",
        "mem",
        30,
        texts.WATCH_GROUNDS.format(violation="未按照规定对从业人员进行安全生产教育和培训"),
        texts.WATCH_BASIS,
        cites=[first.n, second.n],
    )


def abnormal_repaired(b: Builder) -> None:
    b.listing(
        "abnormal", "gd", 400, texts.ABNORMAL_GROUNDS.format(year=b.day(400).year - 1), texts.ABNORMAL_BASIS
    )


def abnormal_repaired_after(ctx: SeedContext, enterprise: Enterprise) -> None:
    listing = Listing.objects.filter(enterprise=enterprise, list_kind_id="abnormal").first()
    if listing is not None:
        repair(
            ctx,
            enterprise=enterprise,
            listing=listing,
            outcome=ApplicationStatus.APPROVED,
            reason=texts.ABNORMAL_REMOVAL_NOTE.format(year=listing.start_date.year - 1),
        )


def listing_revoked(b: Builder) -> None:
    record = b.penalty(
        "mohurd",
        300,
        violation(
            "mohurd",
            "未取得商品房预售许可证预售商品房",
            "当事人开发的住宅项目在未取得商品房预售许可证的情况下，以收取“诚意金”的方式向社会公开销售。",
            "《中华人民共和国城市房地产管理法》第四十五条、第六十八条；《城市商品房预售管理办法》第六条、第十五条",
            ("fine", "confiscation"),
            severity=Severity.SERIOUS,
        ),
        fine=30,
        confiscated=6.5,
    )
    b.listing(
        "dishonest",
        "mohurd",
        260,
        "因未取得商品房预售许可证预售商品房受到较重行政处罚（{}），列入严重失信主体名单".format(
            record.data["document_number"]
        ),
        "《住房城乡建设领域严重失信主体名单管理办法》",
        cites=[record.n],
        objection=ObjectionStatus.REVOKED,
        note="经复核，列入决定作出时处罚决定尚在行政复议期间，列入程序不符合规定，撤销列入决定。",
    )


def revoked_directly(b: Builder) -> None:
    b.penalty(
        "tax",
        160,
        named("未按照规定期限办理纳税申报和报送纳税资料", "fine"),
        fine=0.2,
        then="revoke",
        reason="经复查，逾期申报系电子税务局系统故障所致，当事人无过错，原处罚决定予以撤销。",
    )


def warning_only(b: Builder) -> None:
    b.penalty("zj", 80, named("经营者不按照规定明码标价", "warning"))
