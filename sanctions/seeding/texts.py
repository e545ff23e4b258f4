"""What demo decisions say: violations, licences, rewards, lists, commitments, objections and repair
statements, written the way Chinese agencies write them, with the rules they cite.

Pure data: ``plans`` picks from these by the enterprise's industry and place. Agencies are named by
their demo code (``fixtures/demo_agencies.json``); ``market`` means the province's market regulator
where the demo has one, else the national administration. No free text names a natural person or
holds an ID or phone number: what is personal stays in the structured fields, which are masked.
"""

from __future__ import annotations

from dataclasses import dataclass

MARKET = "market"  # the province's market regulator, else SAMR
HOUSING = "housing"  # the province's housing department, else the ministry

# Province (first two digits of a division code) -> the demo agency that stands for it.
PROVINCIAL_MARKET = {"11": "bj", "31": "sh", "33": "zj", "32": "js", "44": "gd"}
PROVINCIAL_HOUSING = {"51": "sc"}

# Province abbreviations, as licence numbers carry them.
# fmt: off
PROVINCE_ABBR = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑",
    "31": "沪", "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫",
    "42": "鄂", "43": "湘", "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔",
    "53": "滇", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁", "65": "新",
}
# fmt: on


@dataclass(frozen=True)
class Violation:
    """A kind of violation an agency penalises, and what the decision usually imposes."""

    agency: str  # a demo agency code, MARKET or HOUSING
    industries: str  # GB/T 4754 sections it occurs in ("": any)
    violation_type: str
    facts: str
    legal_basis: str
    categories: tuple[str, ...]  # penalty category codes (fixtures/penalty_categories.json)
    fine: tuple[float, float] | None  # in 10,000 yuan, from … to
    severity: str = "general"
    regulatory_field: str = ""
    licence: str = ""  # the licence a suspension or revocation concerns
    weight: int = 10
    name_has: tuple[str, ...] = ()  # only enterprises whose name holds one of these


VIOLATIONS: tuple[Violation, ...] = (
    # --- Market regulation ---------------------------------------------------------------------
    Violation(
        MARKET,
        "",
        "发布虚假广告",
        "当事人在其网站及微信公众号宣传“行业第一”“全国销量领先”等内容，无法提供相应证明材料，"
        "上述宣传内容与实际情况不符，构成发布虚假广告的违法行为。",
        "《中华人民共和国广告法》第二十八条第二款、第五十五条第一款",
        ("fine",),
        (1, 20),
        weight=14,
    ),
    Violation(
        MARKET,
        "FHOK",
        "经营者不按照规定明码标价",
        "执法人员现场检查发现，当事人经营场所内部分商品及服务项目未按规定标示价格，"
        "已标示的价格签未注明计价单位。",
        "《中华人民共和国价格法》第十三条、第四十二条；《明码标价和禁止价格欺诈规定》第二十一条",
        ("fine",),
        (0.2, 1),
        weight=12,
    ),
    Violation(
        MARKET,
        "FHOK",
        "经营者不按照规定明码标价",
        "执法人员现场检查发现，当事人经营场所内部分商品未标示价格；当事人当场改正，情节轻微。",
        "《中华人民共和国价格法》第十三条、第四十二条；《明码标价和禁止价格欺诈规定》第二十一条",
        ("warning",),
        None,
        weight=5,
    ),
    Violation(
        MARKET,
        "FH",
        "经营超过保质期的食品",
        "执法人员现场检查发现，当事人经营场所货架上陈列销售的预包装食品中有部分已超过标签标示的保质期，"
        "货值金额较小。",
        "《中华人民共和国食品安全法》第三十四条第（十）项、第一百二十四条第一款第（五）项",
        ("fine", "confiscation"),
        (0.5, 5),
        weight=10,
    ),
    Violation(
        MARKET,
        "H",
        "餐饮服务提供者未按规定清洗消毒餐具",
        "执法人员现场检查发现，当事人后厨餐具消毒设施未正常使用，已使用的餐具与清洗消毒后的餐具混放。",
        "《中华人民共和国食品安全法》第五十六条第二款、第一百二十六条第一款第（五）项",
        ("fine",),
        (0.5, 2),
        weight=10,
    ),
    Violation(
        MARKET,
        "C",
        "生产不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品",
        "经监督抽查，当事人生产的产品经检验部分项目不符合国家标准要求，判定为不合格。",
        "《中华人民共和国产品质量法》第十三条、第四十九条",
        ("fine", "confiscation"),
        (3, 30),
        weight=10,
    ),
    Violation(
        MARKET,
        "C",
        "生产不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品",
        "经监督抽查，当事人生产的产品经检验多个项目不符合国家强制性标准，且经责令改正后复查仍不合格，"
        "情节严重。",
        "《中华人民共和国产品质量法》第十三条、第四十九条",
        ("fine", "confiscation", "licence_revoked"),
        (40, 90),
        severity="serious",
        licence="工业产品生产许可证",
        weight=2,
    ),
    Violation(
        MARKET,
        "CH",
        "生产经营添加非食用物质的食品",
        "经抽样检验，当事人生产经营的食品中检出非食用物质，当事人不能证明其不知道所采购的原料含有该物质。",
        "《中华人民共和国食品安全法》第三十四条第（一）项、第一百二十三条第一款第（一）项",
        ("fine", "confiscation", "licence_revoked"),
        (20, 95),
        severity="serious",
        licence="食品生产许可证",
        weight=1,
        name_has=("食品", "餐饮", "饭店", "小吃", "面馆", "快餐"),
    ),
    Violation(
        MARKET,
        "CDG",
        "使用未经定期检验的特种设备",
        "执法人员现场检查发现，当事人在用的叉车、压力容器等特种设备超过检验有效期仍继续使用。",
        "《中华人民共和国特种设备安全法》第四十条第三款、第八十四条第（一）项",
        ("fine",),
        (3, 30),
        regulatory_field="special_equipment",
        weight=6,
    ),
    Violation(
        MARKET,
        "CFL",
        "经营者采用财物手段进行贿赂以谋取交易机会",
        "当事人在销售过程中以“推广费”名义向交易相对方工作人员给付财物，以谋取交易机会。",
        "《中华人民共和国反不正当竞争法》第七条第一款、第十九条",
        ("fine", "confiscation"),
        (10, 60),
        weight=3,
    ),
    Violation(
        MARKET,
        "",
        "未按规定公示即时信息",
        "当事人股东股权转让信息未按《企业信息公示暂行条例》规定在国家企业信用信息公示系统中及时公示。",
        "《企业信息公示暂行条例》第十条、第十八条",
        ("criticism",),
        None,
        weight=4,
    ),
    # --- Tax -----------------------------------------------------------------------------------
    Violation(
        "tax",
        "",
        "未按照规定期限办理纳税申报和报送纳税资料",
        "当事人未按规定期限办理增值税纳税申报，经责令限期改正后已补办申报。",
        "《中华人民共和国税收征收管理法》第二十五条、第六十二条",
        ("fine",),
        (0.02, 0.2),
        weight=14,
    ),
    Violation(
        "tax",
        "CFGL",
        "虚开增值税专用发票",
        "经检查，当事人在无真实货物交易的情况下，为他人开具增值税专用发票，价税合计金额较大。",
        "《中华人民共和国发票管理办法》第二十一条、第三十五条",
        ("fine", "confiscation"),
        (20, 80),
        severity="serious",
        weight=2,
    ),
    Violation(
        "tax",
        "",
        "偷税",
        "经检查，当事人通过在账簿上少列收入的手段，少缴增值税及企业所得税。",
        "《中华人民共和国税收征收管理法》第六十三条第一款",
        ("fine",),
        (10, 60),
        severity="serious",
        weight=2,
    ),
    # --- Customs -------------------------------------------------------------------------------
    Violation(
        "customs",
        "CF",
        "进出口货物申报不实",
        "当事人向海关申报出口货物，申报的商品编号与实际不符，影响海关统计准确性。",
        "《中华人民共和国海关行政处罚实施条例》第十五条第（一）项",
        ("fine",),
        (0.1, 3),
        weight=8,
    ),
    # --- Emergency management ------------------------------------------------------------------
    Violation(
        "mem",
        "BCDEG",
        "未按照规定对从业人员进行安全生产教育和培训",
        "执法人员检查发现，当事人部分岗位从业人员未经安全生产教育和培训合格即上岗作业，且无培训记录。",
        "《中华人民共和国安全生产法》第二十八条第一款、第九十七条第（三）项",
        ("fine",),
        (1, 10),
        regulatory_field="work_safety",
        weight=8,
    ),
    Violation(
        "mem",
        "BCDE",
        "未建立事故隐患排查治理制度",
        "执法人员检查发现，当事人未建立事故隐患排查治理制度，未如实记录事故隐患排查治理情况。",
        "《中华人民共和国安全生产法》第四十一条第二款、第一百零一条第（五）项",
        ("fine",),
        (2, 10),
        regulatory_field="work_safety",
        weight=5,
    ),
    Violation(
        "mem",
        "",
        "消防设施、器材未保持完好有效",
        "消防救援机构检查发现，当事人经营场所部分灭火器压力不足，室内消火栓无水。",
        "《中华人民共和国消防法》第十六条第一款第（二）项、第六十条第一款第（一）项",
        ("fine",),
        (0.5, 5),
        regulatory_field="fire_safety",
        weight=6,
    ),
    Violation(
        "mem",
        "BC",
        "未取得安全生产许可证擅自进行生产",
        "当事人在安全生产许可证有效期届满未办理延续手续的情况下继续从事生产活动。",
        "《安全生产许可证条例》第二条、第十九条",
        ("fine", "confiscation", "business_suspended"),
        (10, 50),
        severity="serious",
        regulatory_field="work_safety",
        weight=1,
    ),
    # --- Ecology and environment ---------------------------------------------------------------
    Violation(
        "mee",
        "BCDN",
        "超过大气污染物排放标准排放大气污染物",
        "经监测，当事人废气排放口颗粒物排放浓度超过国家规定的排放标准。",
        "《中华人民共和国大气污染防治法》第十八条、第九十九条第（二）项",
        ("fine",),
        (10, 90),
        weight=6,
    ),
    Violation(
        "mee",
        "BCD",
        "未依法取得排污许可证排放污染物",
        "当事人在未取得排污许可证的情况下，生产过程中产生的废水经管网排入外环境。",
        "《排污许可管理条例》第二条、第三十三条第（一）项",
        ("fine", "business_suspended"),
        (20, 90),
        severity="serious",
        weight=2,
    ),
    # --- Housing and construction --------------------------------------------------------------
    Violation(
        HOUSING,
        "E",
        "未取得施工许可证擅自施工",
        "当事人承建的项目在未取得建筑工程施工许可证的情况下擅自开工建设。",
        "《中华人民共和国建筑法》第七条、第六十四条；《建筑工程施工许可管理办法》第十二条",
        ("fine",),
        (1, 5),
        weight=10,
    ),
    Violation(
        HOUSING,
        "E",
        "违反工程建设强制性标准",
        "经监督检查，当事人承建项目的主体结构钢筋保护层厚度不符合工程建设强制性标准，存在质量隐患。",
        "《建设工程质量管理条例》第二十八条、第六十四条",
        ("fine", "qualification_lowered"),
        (20, 60),
        severity="serious",
        weight=2,
    ),
    Violation(
        HOUSING,
        "K",
        "房地产经纪机构未按规定公示服务项目及收费标准",
        "执法人员检查发现，当事人经营门店未公示服务项目、服务内容和收费标准。",
        "《房地产经纪管理办法》第二十一条、第三十四条",
        ("fine",),
        (0.1, 1),
        weight=8,
    ),
)


# How the number of a licence that a penalty suspends or revokes is written, by the licence's name.
LICENCE_NUMBERS = {
    "食品生产许可证": "SC1{division}{seq:07d}",
    "食品经营许可证": "JY2{division}{seq:07d}",
    "工业产品生产许可证": "（{prov}）XK16-204-{seq:05d}",
}


@dataclass(frozen=True)
class LicenceKind:
    """A kind of licence, as its decision and certificate are named."""

    agency: str
    industries: str
    document_name: str
    content: str
    certificate_name: str
    number: str  # a format: {prov} {division} {seq} {uscc} {year}
    category: str  # XK_XKLB
    years: int | None  # validity; None: without an end
    weight: int = 10
    name_has: tuple[str, ...] = ()


LICENCES: tuple[LicenceKind, ...] = (
    LicenceKind(
        MARKET,
        "FH",
        "食品经营许可决定书",
        "食品经营许可：预包装食品（含冷藏冷冻食品）销售；热食类食品制售",
        "食品经营许可证",
        "JY2{division}{seq:07d}",
        "01",
        5,
        weight=12,
    ),
    LicenceKind(
        MARKET,
        "C",
        "食品生产许可决定书",
        "食品生产许可：糕点、方便食品、豆制品",
        "食品生产许可证",
        "SC1{division}{seq:07d}",
        "01",
        5,
        name_has=("食品",),
    ),
    LicenceKind(
        MARKET,
        "CDGK",
        "特种设备使用登记决定",
        "特种设备使用登记：场（厂）内专用机动车辆、电梯",
        "特种设备使用登记证",
        "车11{prov}{seq:05d}（{year}）",
        "05",
        None,
        weight=6,
    ),
    LicenceKind(
        HOUSING,
        "E",
        "建筑业企业资质审批决定",
        "建筑业企业资质：建筑工程施工总承包二级；市政公用工程施工总承包三级",
        "建筑业企业资质证书",
        "D2{division}{seq:03d}",
        "03",
        5,
        weight=14,
    ),
    LicenceKind(
        HOUSING,
        "K",
        "房地产开发企业资质核定决定",
        "房地产开发企业资质：二级",
        "房地产开发企业资质证书",
        "{prov}房开{seq:06d}",
        "03",
        3,
        name_has=("房地产", "置业"),
    ),
    LicenceKind(
        "mem",
        "BCE",
        "安全生产许可决定",
        "安全生产许可：建筑施工、非煤矿山开采",
        "安全生产许可证",
        "（{prov}）JZ安许证字〔{year}〕{seq:06d}",
        "01",
        3,
        weight=8,
    ),
    LicenceKind(
        "mee",
        "BCD",
        "排污许可决定",
        "排污许可：重点管理（废气、废水）",
        "排污许可证",
        "{uscc}001V",
        "01",
        5,
        weight=8,
    ),
    LicenceKind(
        "customs",
        "CF",
        "报关单位备案",
        "进出口货物收发货人备案",
        "海关进出口货物收发货人备案回执",
        "{division4}96{seq:04d}",
        "05",
        None,
        weight=6,
    ),
)


@dataclass(frozen=True)
class RewardKind:
    agency: str
    industries: str
    content: str  # {year}: the year rated
    red_list: str  # grounds of the red listing that follows ("" for none)
    weight: int = 10


REWARDS: tuple[RewardKind, ...] = (
    RewardKind(
        "tax",
        "",
        "{year}年度纳税信用A级纳税人",
        "{year}年度纳税信用评价为A级，依据《纳税信用管理办法（试行）》列入守信激励对象名单",
        weight=16,
    ),
    RewardKind(MARKET, "", "{year}年度“守合同重信用”企业", "", weight=8),
    RewardKind(
        "customs",
        "CF",
        "海关高级认证企业（AEO）",
        "经海关认证为高级认证企业，依据《中华人民共和国海关注册登记和备案企业信用管理办法》适用便利措施",
        weight=4,
    ),
    RewardKind("mem", "BCE", "安全生产标准化一级企业", "", weight=3),
)
RED_LIST_BASIS = (
    "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"
)

DISHONEST_GROUNDS = (
    "因{violation}被处以{penalty}的行政处罚（{number}），属于《市场监督管理严重违法失信名单管理办法》"
    "第二条规定的严重违法失信行为"
)
DISHONEST_BASIS = "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）第二条、第九条"
ABNORMAL_GROUNDS = "未依照《企业信息公示暂行条例》第八条规定的期限公示{year}年度报告"
ABNORMAL_BASIS = "《企业经营异常名录管理暂行办法》第四条第（一）项；《企业信息公示暂行条例》第十七条"
WATCH_GROUNDS = "一年内因{violation}等违法行为两次受到行政处罚，列入重点关注名单，实施重点监管"
WATCH_BASIS = "《安全生产严重失信主体名单管理办法》（应急管理部令第11号）；《国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》（国办发〔2019〕35号）"
ABNORMAL_REMOVAL_NOTE = "当事人已补报{year}年度报告并公示，依申请移出经营异常名录。"

NOTIFICATION_BASIS = (
    "《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》（国办发〔2020〕42号）"
)
VOLUNTARY_BASIS = "《国务院办公厅关于加快推进社会信用体系建设构建以信用为基础的新型监管机制的指导意见》（国办发〔2019〕35号）"
COMMITMENTS = {
    "notification": "申请{licence}时书面承诺符合许可条件，并于{due}前补交相关证明材料",
    "voluntary": "自愿承诺依法诚信经营，不发布虚假违法广告，不销售假冒伪劣商品，接受社会监督",
}
COMMITMENT_KEPT = "已按期补交全部承诺材料，经核查符合许可条件。"
COMMITMENT_BREACHED = "承诺期限届满未补交承诺的证明材料，经核查不符合许可条件。"

REPAIR_STATEMENT = (
    "当事人已于处罚决定作出后按期足额缴纳罚款，完成整改并经执法机关复查合格；"
    "自处罚决定作出以来未再发生同类违法行为，特申请提前停止公示。"
)
OBJECTION_REASONS = (
    "处罚决定书载明的罚款金额与公示的金额不一致，请核实更正。",
    "该处罚决定已经行政复议决定撤销，请停止公示。",
    "公示信息中的违法事实与处罚决定书不符，请核实。",
)
REVOCATION_REASONS = (
    "经行政复议，原行政处罚决定被依法撤销。",
    "经复查，原处罚决定认定事实不清，依法撤销。",
)
LISTING_OBJECTION = "列入决定所依据的行政处罚尚在行政复议期间，列入程序不符合规定，请求复核。"
CORRECTION_REASONS = ("经复核，原录入的罚款金额有误，依据处罚决定书更正。",)
