"""The demo's named situations: a handful of demo enterprises, each showing one thing the registry
does, made through the services with dates counted back from today.

``SITUATIONS`` are the ones ``seed_demo`` prints and the README names; ``SUPPORTING`` fill the
desks (a review queue, a draft sent back, an objection to decide), the lists (a watch listing, a
listing taken off after repair, one revoked after an objection) and the rare cases (a warning
that is never published, a record revoked). Each scenario is one transaction and is found again
by its first record or listing, so running the seed again creates nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from registry import services as registry_services
from registry.choices import EnterpriseStatus
from registry.models import Enterprise
from sanctions.choices import (
    ApplicationStatus,
    CommitmentKind,
    CommitmentStatus,
    MeasureNature,
    ObjectionStatus,
    RecordKind,
    Severity,
)
from sanctions.lists.measures import measure_publish, measure_save
from sanctions.models import CreditRecord, Listing, Measure, Memorandum

from . import texts
from .context import SeedContext
from .lifecycle import plan_apply, repair
from .plans import (
    CommitmentPlan,
    EnterprisePlan,
    Facts,
    ListingPlan,
    RecordPlan,
    licence_data,
    listing_data,
    penalty_data,
    record_key,
    resolve_agency,
    reward_data,
    working_day_back,
)


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


def _facts(enterprise: Enterprise) -> Facts:
    return Facts(
        enterprise.pk,
        enterprise.uscc,
        enterprise.name,
        enterprise.industry,
        enterprise.division_code,
        enterprise.status,
        enterprise.legal_representative,
        enterprise.established_on,
    )


class _Builder:
    """Builds one enterprise's explicit plan: records numbered in order, dates counted back from today."""

    def __init__(self, ctx: SeedContext, enterprise: Enterprise):
        self.ctx = ctx
        self.enterprise = enterprise
        self.facts = _facts(enterprise)
        self.plan = EnterprisePlan(self.facts)
        self.n = 0

    def day(self, days_back: int) -> dt.date:
        return working_day_back(self.ctx.today, days_back)

    def agency(self, code: str):
        return resolve_agency(code, self.facts, self.ctx.agencies)

    def _next(self) -> int:
        self.n += 1
        return self.n - 1

    def penalty(
        self,
        code: str,
        days_back: int,
        violation: texts.Violation,
        *,
        fine: float | None = None,
        confiscated: float | None = None,
        **extra,
    ) -> RecordPlan:
        import random

        agency = self.agency(code)
        n = self._next()
        data = penalty_data(
            self.facts,
            agency,
            violation,
            self.day(days_back),
            n,
            random.Random(self.facts.uscc + str(n)),
            fine=fine,
            confiscated=confiscated,
        )
        plan = RecordPlan(n, RecordKind.PENALTY, agency.code, data, **extra)
        self.plan.records.append(plan)
        return plan

    def licence(self, code: str, days_back: int, kind: texts.LicenceKind) -> RecordPlan:
        agency = self.agency(code)
        n = self._next()
        plan = RecordPlan(
            n, RecordKind.LICENCE, agency.code, licence_data(self.facts, agency, kind, self.day(days_back), n)
        )
        self.plan.records.append(plan)
        return plan

    def reward(self, code: str, days_back: int, kind: texts.RewardKind) -> RecordPlan:
        agency = self.agency(code)
        n = self._next()
        plan = RecordPlan(
            n, RecordKind.REWARD, agency.code, reward_data(self.facts, agency, kind, self.day(days_back), n)
        )
        self.plan.records.append(plan)
        return plan

    def listing(
        self, list_kind: str, code: str, days_back: int, grounds: str, basis: str, **extra
    ) -> ListingPlan:
        agency = self.agency(code)
        n = len(self.plan.listings)
        data = listing_data(agency, list_kind, self.facts, n, self.day(days_back), grounds, basis)
        plan = ListingPlan(n, list_kind, agency.code, data, **extra)
        self.plan.listings.append(plan)
        return plan

    def commitment(self, code: str, kind: str, content: str, signed_back: int, due_back: int | None, **extra):
        agency = self.agency(code)
        due = self.day(due_back) if due_back is not None else None
        if due_back is not None and due_back < 0:
            due = self.ctx.today + dt.timedelta(days=-due_back)
        basis = texts.NOTIFICATION_BASIS if kind == CommitmentKind.NOTIFICATION else texts.VOLUNTARY_BASIS
        plan = CommitmentPlan(
            agency.code, kind, content.format(due=due), basis, self.day(signed_back), due, **extra
        )
        self.plan.commitments.append(plan)
        return plan


def _violation(code, violation_type, facts, basis, categories, **extra) -> texts.Violation:
    return texts.Violation(code, "", violation_type, facts, basis, categories, None, **extra)


LICENCE = {kind.certificate_name: kind for kind in texts.LICENCES}
REWARD = {kind.content: kind for kind in texts.REWARDS}
VIOLATION = {v.violation_type + str(v.categories): v for v in texts.VIOLATIONS}


def _v(violation_type: str, *categories: str) -> texts.Violation:
    return VIOLATION[violation_type + str(categories)]


# --- The situations ------------------------------------------------------------------------------


def clean(b: _Builder) -> None:
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


def penalised(b: _Builder) -> None:
    b.licence("housing", 700, LICENCE["建筑业企业资质证书"])
    b.penalty(
        "zj",
        45,
        _violation(
            "market",
            "发布虚假广告",
            "当事人在其网站宣传“国家一级施工资质”“承建重点工程百余项”，经查，当事人仅具有建筑工程施工总承包"
            "二级资质，上述宣传内容与实际情况不符，构成发布虚假广告的违法行为。",
            "《中华人民共和国广告法》第二十八条第二款第（二）项、第五十五条第一款",
            ("fine",),
        ),
        fine=5,
    )
    b.penalty("housing", 1230, _v("未取得施工许可证擅自施工", "fine"), fine=2)
    b.commitment(
        "housing",
        CommitmentKind.NOTIFICATION,
        "申请建筑业企业资质延续时书面承诺符合资质标准，并于{due}前补交注册建造师社会保险缴纳证明",
        20,
        -40,
    )


def dishonest(b: _Builder) -> None:
    record = b.penalty(
        "gd",
        130,
        _violation(
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


def repaired(b: _Builder) -> None:
    b.ctx.account_for(b.enterprise, username="jinjiang", can_sign_in=True)
    b.licence("market", 1100, LICENCE["食品经营许可证"])
    b.penalty(
        "samr",
        420,  # past the minimum publicity of every rule (12 months under SAMR Order 45)
        _v("餐饮服务提供者未按规定清洗消毒餐具", "fine"),
        fine=1,
        repair=ApplicationStatus.APPROVED,
        repair_reason="当事人已缴纳罚款并完成整改，经现场复查合格，符合信用修复条件，同意提前停止公示。",
    )


def under_objection(b: _Builder) -> None:
    b.penalty(
        "sh",
        30,
        _v("经营者不按照规定明码标价", "fine"),
        fine=0.5,
        objection=ObjectionStatus.RECEIVED,
        objection_reason="处罚决定所认定的未标价商品系仓库内待退货的样品，并未陈列销售，不属于应当明码标价的商品，请求核查。",
    )


def corrected(b: _Builder) -> None:
    b.penalty(
        "mem",
        150,
        _v("未按照规定对从业人员进行安全生产教育和培训", "fine"),
        fine=30,
        objection=ObjectionStatus.CORRECTED,
        objection_reason="处罚决定书载明罚款3万元，公示信息为罚款30万元，金额有误，请求更正。",
        reason="经核对处罚决定书，原公示的罚款金额录入有误，予以更正。",
        correction={"fine_amount": Decimal("3"), "content": "罚款3万元"},
    )
    b.penalty(
        "customs",
        250,
        _v("进出口货物申报不实", "fine"),
        fine=2,
        objection=ObjectionStatus.REVOKED,
        objection_reason="该处罚决定已经行政复议决定撤销，请停止公示。",
        reason="经行政复议，原行政处罚决定被依法撤销，撤销公示。",
    )
    b.penalty(
        "samr",
        90,
        _v("使用未经定期检验的特种设备", "fine"),
        fine=3,
        objection=ObjectionStatus.UPHELD,
        objection_reason="涉案叉车已于检查前报检，检验机构排期延误，不应处罚。",
    )


def breached(b: _Builder) -> None:
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
    from sanctions.models import Commitment

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


def badge_attention(b: _Builder) -> None:
    b.listing(
        "abnormal", "js", 60, texts.ABNORMAL_GROUNDS.format(year=b.day(60).year - 1), texts.ABNORMAL_BASIS
    )


def badge_suspended(b: _Builder) -> None:
    b.penalty(
        "samr",
        25,
        _violation(
            "market",
            "提交虚假材料取得公司登记",
            "当事人在办理公司设立登记时提交虚假的住所使用证明，取得公司登记，情节严重。",
            "《中华人民共和国公司法》第二百五十条；《中华人民共和国市场主体登记管理条例》第四十四条",
            ("fine", "business_licence_revoked"),
            severity=Severity.SERIOUS,
        ),
        fine=5,
    )


def _suspended_after(ctx: SeedContext, enterprise: Enterprise) -> None:
    if enterprise.status != EnterpriseStatus.REVOKED:
        registry_services.enterprise_update(
            actor=ctx.admin, enterprise=enterprise, data={"status": EnterpriseStatus.REVOKED}
        )


# --- Supporting cases ------------------------------------------------------------------------------


def awaiting_review(b: _Builder) -> None:
    b.penalty("zj", 12, _v("使用未经定期检验的特种设备", "fine"), fine=3, stop="submitted")


def sent_back(b: _Builder) -> None:
    b.penalty(
        "zj",
        18,
        _v("生产不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品", "fine", "confiscation"),
        fine=8,
        confiscated=1.2,
        stop="sent_back",
        comment="没收违法所得金额与处罚决定书不一致，请核对后重新提交。",
    )


def awaiting_review_samr(b: _Builder) -> None:
    b.penalty(
        "samr",
        9,
        _v("经营超过保质期的食品", "fine", "confiscation"),
        fine=0.5,
        confiscated=0.12,
        stop="submitted",
    )


def objection_forwarded(b: _Builder) -> None:
    b.penalty(
        "sh",
        75,
        _v("生产不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品", "fine", "confiscation"),
        fine=5,
        confiscated=0.8,
        objection=ObjectionStatus.FORWARDED,
        objection_reason="抽检样品并非本公司生产，系他人假冒本公司标识，请求核查。",
    )


def watch_listed(b: _Builder) -> None:
    first = b.penalty("mem", 200, _v("未建立事故隐患排查治理制度", "fine"), fine=5)
    second = b.penalty("mem", 40, _v("未按照规定对从业人员进行安全生产教育和培训", "fine"), fine=3)
    b.listing(
        "watch",
        "mem",
        30,
        texts.WATCH_GROUNDS.format(violation="未按照规定对从业人员进行安全生产教育和培训"),
        texts.WATCH_BASIS,
        cites=[first.n, second.n],
    )


def abnormal_repaired(b: _Builder) -> None:
    b.listing(
        "abnormal", "gd", 400, texts.ABNORMAL_GROUNDS.format(year=b.day(400).year - 1), texts.ABNORMAL_BASIS
    )


def _abnormal_repaired_after(ctx: SeedContext, enterprise: Enterprise) -> None:
    listing = Listing.objects.filter(enterprise=enterprise, list_kind_id="abnormal").first()
    if listing is not None:
        repair(
            ctx,
            enterprise=enterprise,
            listing=listing,
            outcome=ApplicationStatus.APPROVED,
            reason=texts.ABNORMAL_REMOVAL_NOTE.format(year=listing.start_date.year - 1),
        )


def listing_revoked(b: _Builder) -> None:
    record = b.penalty(
        "mohurd",
        300,
        _violation(
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


def revoked_directly(b: _Builder) -> None:
    b.penalty(
        "tax",
        160,
        _v("未按照规定期限办理纳税申报和报送纳税资料", "fine"),
        fine=0.2,
        then="revoke",
        reason="经复查，逾期申报系电子税务局系统故障所致，当事人无过错，原处罚决定予以撤销。",
    )


def warning_only(b: _Builder) -> None:
    b.penalty("zj", 80, _v("经营者不按照规定明码标价", "warning"))


SCENARIOS: dict[str, tuple[Callable[[_Builder], None], Callable | None]] = {
    "深圳市腾达电子科技有限公司": (clean, None),
    "杭州西湖建设工程有限公司": (penalised, None),
    "广州白云恒兴食品有限公司": (dishonest, None),
    "成都锦江餐饮管理有限公司": (repaired, None),
    "上海浦东瑞丰贸易有限公司": (under_objection, None),
    "天津滨海宏远物流有限公司": (corrected, None),
    "西安雁塔鼎盛建材有限公司": (breached, _breached_after),
    "南京鼓楼安家房产经纪有限公司": (badge_attention, None),
    "武汉江汉洁美家政服务有限公司": (badge_suspended, _suspended_after),
    "杭州临安安和市政工程有限公司": (awaiting_review, None),
    "杭州正泰汽车零部件有限公司": (sent_back, None),
    "北京通创食品公司": (awaiting_review_samr, None),
    "上海市瑞信家具有限公司": (objection_forwarded, None),
    "杭州上城益通石材有限责任公司": (watch_listed, None),
    "深圳嘉邦广告有限公司": (abnormal_repaired, _abnormal_repaired_after),
    "上海奉贤恒远房地产开发有限公司": (listing_revoked, None),
    "杭州西湖中宇货运有限公司": (revoked_directly, None),
    "萧山区万凤英超市": (warning_only, None),
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
        from sanctions.models import Commitment

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
            builder = _Builder(ctx, enterprise)
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

# (memorandum, document number, signed on, signatories, list, nature, [(measure, agency codes, basis)])
MEMORANDA = (
    (
        "关于对食品药品生产经营严重失信者开展联合惩戒的合作备忘录",
        "发改财金〔2016〕1962号",
        dt.date(2016, 9, 6),
        "国家发展改革委、中国人民银行、国家食品药品监督管理总局等28个部门",
        "dishonest",
        MeasureNature.PUNISHMENT,
        (
            (
                "列为重点监管对象，提高监督检查频次和抽查比例",
                ("samr", "bj", "sh", "zj", "js", "gd"),
                "备忘录第三部分第（一）项",
            ),
            (
                "限制参与政府采购活动",
                ("samr",),
                "《中华人民共和国政府采购法》第二十二条；备忘录第三部分第（二）项",
            ),
            (
                "海关认定为失信企业，实施严密监管措施",
                ("customs",),
                "《中华人民共和国海关注册登记和备案企业信用管理办法》第二十四条",
            ),
            ("从严审核税收优惠资格，列为税务重点监控对象", ("tax",), "备忘录第三部分第（十）项"),
        ),
    ),
    (
        "关于对纳税信用A级纳税人实施联合激励措施的合作备忘录",
        "发改财金〔2016〕1467号",
        dt.date(2016, 7, 7),
        "国家发展改革委、国家税务总局等29个部门",
        "red",
        MeasureNature.REWARD,
        (
            (
                "办理行政许可时开通绿色通道，实行容缺受理",
                ("samr", "bj", "sh", "zj", "js", "gd"),
                "备忘录第二部分第（一）项",
            ),
            ("海关给予通关便利，适用较低查验率", ("customs",), "备忘录第二部分第（十二）项"),
            ("增值税专用发票领用按需供应", ("tax",), "《纳税信用管理办法（试行）》第二十九条"),
        ),
    ),
)


@transaction.atomic
def measures_seed(ctx: SeedContext) -> int:
    """The published catalogue of joint measures the demo lists trigger (through ``measure_save`` and
    ``measure_publish``); returns how many measures were added."""
    from sanctions.models import ListKind

    made = 0
    for name, number, signed_on, signatories, list_kind, nature, measures in MEMORANDA:
        memorandum = Memorandum.objects.filter(document_number=number).first()
        if memorandum is None:
            from sanctions.lists.measures import memorandum_save

            memorandum = memorandum_save(
                actor=ctx.admin,
                memorandum=Memorandum(
                    name=name, document_number=number, signed_on=signed_on, signatories=signatories
                ),
            )
        kind = ListKind.objects.filter(pk=list_kind).first()
        if kind is None:
            continue
        for measure_name, codes, basis in measures:
            if Measure.objects.filter(memorandum=memorandum, name=measure_name).exists():
                continue
            measure = measure_save(
                actor=ctx.admin,
                measure=Measure(
                    memorandum=memorandum,
                    list_kind=kind,
                    nature=nature,
                    name=measure_name,
                    legal_basis=f"{number}；{basis}",
                    effective_from=signed_on,
                ),
                applying_agencies=[ctx.agency(code) for code in codes if code in ctx.models],
            )
            measure_publish(actor=ctx.admin, measure=measure)
            made += 1
    return made
