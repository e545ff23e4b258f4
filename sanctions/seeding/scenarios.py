"""The demo's named situations: a handful of demo enterprises, each showing one thing the registry
does, made through the services with dates counted back from today.

``SITUATIONS`` are the ones ``seed_demo`` prints and the README names; ``SUPPORTING`` fill the
desks (a review queue, a draft sent back, an objection to decide), the lists (a watch listing, a
listing taken off after repair, one revoked after an objection) and the rare cases (a warning
that is never published, a record revoked). Each scenario is one transaction and is found again
by its first record or listing, so running the seed again creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from registry.models import Enterprise
from sanctions.choices import ApplicationStatus, CommitmentKind, CommitmentStatus, ObjectionStatus, Severity
from sanctions.models import Commitment, CreditRecord, Listing

from . import supporting, texts
from .builder import LICENCE, REWARD, Builder, named, violation
from .context import SeedContext
from .lifecycle import plan_apply, repair
from .plans import EnterprisePlan, record_key


@dataclass(frozen=True)
class Situation:
    """A situation to try, the enterprise that shows it, and (if it signs in) its demo account."""

    key: str
    label: str
    name: str
    account: str = ""


# The order is the order ``seed_demo`` prints them in.
SITUATIONS: tuple[Situation, ...] = (
    Situation(
        "clean", "clean: licences, a reward, the red list, a kept commitment", "深圳市腾达电子科技有限公司"
    ),
    Situation(
        "penalised", "penalised: a 50,000 yuan fine in its publicity period", "杭州西湖建设工程有限公司"
    ),
    Situation(
        "dishonest",
        "seriously dishonest: on the seriously dishonest entities list",
        "广州白云恒兴食品有限公司",
    ),
    Situation(
        "repaired",
        "repaired: its penalty left public view by credit repair",
        "成都锦江餐饮管理有限公司",
        "jinjiang",
    ),
    Situation(
        "objection", "under objection: a penalty marked as under objection", "上海浦东瑞丰贸易有限公司"
    ),
    Situation(
        "corrected",
        "corrected and revoked: a record corrected after an objection, one revoked",
        "天津滨海宏远物流有限公司",
    ),
    Situation(
        "breached",
        "commitment breached: the breach record, repair applications rejected, withdrawn and awaiting decision",
        "西安雁塔鼎盛建材有限公司",
        "dingsheng",
    ),
)
BADGE_ENTERPRISES = {
    "chaoyang": ("北京朝阳物业服务有限公司", "chaoyang"),  # valid, revoked, expired, staff left
    "attention": ("南京鼓楼安家房产经纪有限公司", ""),  # on the abnormal operations list
    "dishonest": ("广州白云恒兴食品有限公司", ""),
    "suspended": ("武汉江汉洁美家政服务有限公司", ""),  # business licence revoked
}


def situation_enterprises() -> list[tuple[Situation, Enterprise | None]]:
    """Each named situation with its enterprise (None if the demo enterprises are not loaded)."""
    found = {e.name: e for e in Enterprise.objects.filter(name__in=[s.name for s in SITUATIONS])}
    return [(situation, found.get(situation.name)) for situation in SITUATIONS]


# --- The situations ------------------------------------------------------------------------------


def clean(b: Builder) -> None:
    b.licence("mee", 420, LICENCE["排污许可证"])
    b.licence("customs", 1500, LICENCE["海关进出口货物收发货人备案回执"])
    reward = b.reward("tax", 95, REWARD["{year}年度纳税信用A级纳税人"])
    b.listing(
        "red",
        "tax",
        95,
        texts.REWARDS[0].red_list.format(year=b.day(95).year - 1),
        texts.RED_LIST_BASIS,
        cites=[reward.n],
    )
    b.commitment(
        "mee",
        CommitmentKind.NOTIFICATION,
        "申请排污许可证时书面承诺符合许可条件，并于{due}前补交排污口规范化整治验收材料",
        440,
        380,
        outcome=CommitmentStatus.FULFILLED,
        note=texts.COMMITMENT_KEPT,
    )


def penalised(b: Builder) -> None:
    b.licence("housing", 700, LICENCE["建筑业企业资质证书"])
    b.penalty(
        "zj",
        45,
        violation(
            "market",
            "发布虚假广告",
            "当事人在其网站宣传“国家一级施工资质”“承建重点工程百余项”，经查，当事人仅具有建筑工程施工总承包"
            "二级资质，上述宣传内容与实际情况不符，构成发布虚假广告的违法行为。",
            "《中华人民共和国广告法》第二十八条第二款第（二）项、第五十五条第一款",
            ("fine",),
        ),
        fine=5,
    )
    b.penalty("housing", 1230, named("未取得施工许可证擅自施工", "fine"), fine=2)
    b.commitment(
        "housing",
        CommitmentKind.NOTIFICATION,
        "申请建筑业企业资质延续时书面承诺符合资质标准，并于{due}前补交注册建造师社会保险缴纳证明",
        20,
        -40,
    )


def dishonest(b: Builder) -> None:
    record = b.penalty(
        "gd",
        130,
        violation(
            "market",
            "生产经营添加非食用物质的食品",
            "经抽样检验，当事人生产的腐竹中检出非食用物质碱性嫩黄；当事人采购原料未查验供货者的许可证和"
            "合格证明文件，不能证明其不知道所采购的原料含有该物质，货值金额较大。",
            "《中华人民共和国食品安全法》第三十四条第（一）项、第一百二十三条第一款第（一）项",
            ("fine", "confiscation", "licence_revoked"),
            severity=Severity.SERIOUS,
            licence="食品生产许可证",
        ),
        fine=86,
        confiscated=12.4,
    )
    b.listing(
        "dishonest",
        "gd",
        100,
        texts.DISHONEST_GROUNDS.format(
            violation="生产经营添加非食用物质的食品",
            penalty="吊销食品生产许可证",
            number=record.data["document_number"],
        ),
        texts.DISHONEST_BASIS,
        cites=[record.n],
    )


def repaired(b: Builder) -> None:
    b.ctx.account_for(b.enterprise, username="jinjiang", can_sign_in=True)
    b.licence("market", 1100, LICENCE["食品经营许可证"])
    b.penalty(
        "samr",
        420,  # past the minimum publicity of every rule (12 months under SAMR Order 45)
        named("餐饮服务提供者未按规定清洗消毒餐具", "fine"),
        fine=1,
        repair=ApplicationStatus.APPROVED,
        repair_reason="当事人已缴纳罚款并完成整改，经现场复查合格，符合信用修复条件，同意提前停止公示。",
    )


def under_objection(b: Builder) -> None:
    b.penalty(
        "sh",
        30,
        named("经营者不按照规定明码标价", "fine"),
        fine=0.5,
        objection=ObjectionStatus.RECEIVED,
        objection_reason="处罚决定所认定的未标价商品系仓库内待退货的样品，并未陈列销售，不属于应当明码标价的商品，请求核查。",
    )


def corrected(b: Builder) -> None:
    b.penalty(
        "mem",
        150,
        named("未按照规定对从业人员进行安全生产教育和培训", "fine"),
        fine=30,
        objection=ObjectionStatus.CORRECTED,
        objection_reason="处罚决定书载明罚款3万元，公示信息为罚款30万元，金额有误，请求更正。",
        reason="经核对处罚决定书，原公示的罚款金额录入有误，予以更正。",
        correction={"fine_amount": Decimal("3"), "content": "罚款3万元"},
    )
    b.penalty(
        "customs",
        250,
        named("进出口货物申报不实", "fine"),
        fine=2,
        objection=ObjectionStatus.REVOKED,
        objection_reason="该处罚决定已经行政复议决定撤销，请停止公示。",
        reason="经行政复议，原行政处罚决定被依法撤销，撤销公示。",
    )
    b.penalty(
        "samr",
        90,
        named("使用未经定期检验的特种设备", "fine"),
        fine=3,
        objection=ObjectionStatus.UPHELD,
        objection_reason="涉案叉车已于检查前报检，检验机构排期延误，不应处罚。",
    )


def breached(b: Builder) -> None:
    b.ctx.account_for(b.enterprise, username="dingsheng", can_sign_in=True)
    b.commitment(
        "samr",
        CommitmentKind.NOTIFICATION,
        "申请建筑用钢材经营备案时书面承诺所售产品符合国家标准，并于{due}前提交第三方检验合格报告",
        540,
        480,
        outcome=CommitmentStatus.BREACHED,
        note="承诺期限届满未提交检验报告；经监督抽查，其销售的热轧带肋钢筋屈服强度不符合国家标准。",
        decided_on=b.day(450),  # its record can be repaired by now (12 months' minimum publicity)
    )


def _breached_after(ctx: SeedContext, enterprise: Enterprise) -> None:
    """The breach record: its repair applied for three times (rejected, withdrawn, awaiting decision)."""
    commitment = Commitment.objects.filter(enterprise=enterprise, breach_record__isnull=False).first()
    if commitment is None:
        return
    record = commitment.breach_record
    repair(
        ctx,
        enterprise=enterprise,
        record=record,
        outcome=ApplicationStatus.REJECTED,
        reason="提交的检验报告未加盖检验检测机构专用章，不能证明已纠正失信行为，不予修复。",
    )
    repair(ctx, enterprise=enterprise, record=record, outcome=ApplicationStatus.WITHDRAWN)
    repair(ctx, enterprise=enterprise, record=record, outcome=ApplicationStatus.SUBMITTED)


# --- Badge enterprises (the badges themselves: lookup/badges/seeding.py) ------------------------------


# --- Supporting cases ------------------------------------------------------------------------------


SCENARIOS: dict[str, tuple[Callable[[Builder], None], Callable | None]] = {
    "深圳市腾达电子科技有限公司": (clean, None),
    "杭州西湖建设工程有限公司": (penalised, None),
    "广州白云恒兴食品有限公司": (dishonest, None),
    "成都锦江餐饮管理有限公司": (repaired, None),
    "上海浦东瑞丰贸易有限公司": (under_objection, None),
    "天津滨海宏远物流有限公司": (corrected, None),
    "西安雁塔鼎盛建材有限公司": (breached, _breached_after),
    "南京鼓楼安家房产经纪有限公司": (supporting.badge_attention, None),
    "武汉江汉洁美家政服务有限公司": (supporting.badge_suspended, supporting.suspended_after),
    "杭州临安安和市政工程有限公司": (supporting.awaiting_review, None),
    "杭州正泰汽车零部件有限公司": (supporting.sent_back, None),
    "北京通创食品公司": (supporting.awaiting_review_samr, None),
    "上海市瑞信家具有限公司": (supporting.objection_forwarded, None),
    "杭州上城益通石材有限责任公司": (supporting.watch_listed, None),
    "深圳嘉邦广告有限公司": (supporting.abnormal_repaired, supporting.abnormal_repaired_after),
    "上海奉贤恒远房地产开发有限公司": (supporting.listing_revoked, None),
    "杭州西湖中宇货运有限公司": (supporting.revoked_directly, None),
    "萧山区万凤英超市": (supporting.warning_only, None),
}
BADGE_ONLY = {"北京朝阳物业服务有限公司"}  # no credit data of its own: its badges are lookup's


def scenario_names() -> set[str]:
    """The enterprises whose demo data is written here (the background plans leave them alone)."""
    return set(SCENARIOS) | BADGE_ONLY


def _done(plan: EnterprisePlan) -> bool:
    """Whether this scenario was carried out before: its first record or listing exists."""
    uscc = plan.facts.uscc
    if plan.records:
        return CreditRecord.objects.filter(idempotency_key=record_key(uscc, plan.records[0].n)).exists()
    if plan.listings:
        return Listing.objects.filter(
            enterprise_id=plan.facts.pk, list_kind_id=plan.listings[0].list_kind
        ).exists()
    if plan.commitments:
        return Commitment.objects.filter(enterprise_id=plan.facts.pk, kind=plan.commitments[0].kind).exists()
    return True


def scenarios_seed(ctx: SeedContext) -> tuple[int, list[int]]:
    """Carry out every scenario not carried out yet; returns (how many, the enterprises touched)."""
    enterprises = {e.name: e for e in Enterprise.objects.filter(name__in=list(SCENARIOS))}
    made, touched = 0, []
    for name, (build, after) in SCENARIOS.items():
        enterprise = enterprises.get(name)
        if enterprise is None:
            continue
        with transaction.atomic():
            builder = Builder(ctx, enterprise)
            build(builder)
            if _done(builder.plan):
                continue
            plan_apply(ctx, enterprise=enterprise, plan=builder.plan)
            if after is not None:
                after(ctx, Enterprise.objects.get(pk=enterprise.pk))
        made += 1
        touched.append(enterprise.pk)
    return made, touched


# --- The catalogue of joint measures ----------------------------------------------------------------
