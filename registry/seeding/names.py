"""Word lists and places for demo enterprises: names built the way Chinese firms are named.

A company name is place + trade name (字号) + industry word + legal form, e.g. 杭州西湖 + 恒达 +
建设工程 + 有限公司. Places come from the current county-level divisions of GB/T 2260, so the
name, the registration authority, the domicile and positions 3–8 of the code agree.
Pure data and functions: nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Characters of trade names (字号); every pair of different characters is a plausible 字号.
_TRADE_FIRST = (
    "恒鑫华盛宏瑞金汇德丰泰兴隆嘉博信中天安永宝康顺诚新凯创远明正东海润荣益星腾伟佳联通祥昌锦志鸿旭启"
)
_TRADE_SECOND = "达源泰兴盛通发利诚信华丰顺昌和润宇科鑫隆远成安嘉创邦威辉晟峰茂"
# Well-known brands are left out so that no demo firm reads as a real group's subsidiary.
_BRANDS = {"华润", "中华", "中通", "中信", "中兴", "中科", "海信", "联通", "中天", "金华", "新华", "东海"}
TRADE_NAMES: tuple[str, ...] = tuple(
    a + b for a in _TRADE_FIRST for b in _TRADE_SECOND if a != b and a + b not in _BRANDS
)

# Industry words and the GB/T 4754-2017 section they belong to.
# fmt: off
INDUSTRY_WORDS: tuple[tuple[str, str], ...] = (
    ("建设工程", "E"), ("建筑工程", "E"), ("装饰工程", "E"), ("市政工程", "E"), ("建筑劳务", "E"),
    ("信息技术", "I"), ("网络科技", "I"), ("软件", "I"), ("数据科技", "I"), ("智能科技", "I"),
    ("电子", "C"), ("机械制造", "C"), ("精密机械", "C"), ("食品", "C"), ("服饰", "C"),
    ("塑料制品", "C"), ("新材料科技", "C"), ("五金制品", "C"), ("家具", "C"), ("包装材料", "C"),
    ("汽车零部件", "C"), ("纺织", "C"), ("印刷", "C"), ("电器", "C"),
    ("贸易", "F"), ("商贸", "F"), ("进出口", "F"), ("医药", "F"), ("建材", "F"), ("五金机电", "F"),
    ("物流", "G"), ("货运", "G"), ("运输", "G"),
    ("餐饮管理", "H"), ("酒店管理", "H"), ("餐饮", "H"),
    ("小额贷款", "J"), ("融资担保", "J"),
    ("房地产开发", "K"), ("置业", "K"), ("物业服务", "K"), ("物业管理", "K"), ("房产经纪", "K"),
    ("商务咨询", "L"), ("企业管理咨询", "L"), ("人力资源", "L"), ("广告", "L"), ("会展服务", "L"),
    ("检测技术", "M"), ("工程设计", "M"), ("生物科技", "M"), ("环保科技", "M"), ("技术服务", "M"),
    ("园林绿化", "N"), ("环境治理", "N"),
    ("家政服务", "O"), ("汽车服务", "O"), ("洗涤服务", "O"),
    ("教育科技", "P"), ("文化培训", "P"),
    ("医院管理", "Q"), ("健康管理", "Q"),
    ("文化传媒", "R"), ("影视传媒", "R"), ("体育文化", "R"),
    ("燃气", "D"), ("热电", "D"), ("水务", "D"), ("新能源", "D"),
    ("农业开发", "A"), ("生态农业", "A"), ("农业科技", "A"), ("水产养殖", "A"),
    ("矿业", "B"), ("石材", "B"),
)
# fmt: on

# Shops of individual businesses (个体工商户) and their section.
# fmt: off
SHOPS: tuple[tuple[str, str], ...] = (
    ("小吃店", "H"), ("面馆", "H"), ("快餐店", "H"), ("饭店", "H"), ("便利店", "F"), ("五金店", "F"),
    ("服装店", "F"), ("水果店", "F"), ("烟酒店", "F"), ("超市", "F"), ("建材经营部", "F"),
    ("农资店", "F"), ("茶叶店", "F"), ("理发店", "O"), ("汽车修理部", "O"), ("家电维修部", "O"),
    ("摄影工作室", "R"), ("洗衣店", "O"),
)
# fmt: on

# Produce of farmers' specialised cooperatives (农民专业合作社).
# fmt: off
COOPERATIVE_WORDS: tuple[str, ...] = (
    "茶叶种植", "蔬菜种植", "水果种植", "柑橘种植", "葡萄种植", "生猪养殖", "水稻种植", "食用菌种植",
    "中药材种植", "花卉苗木", "蜂业", "渔业", "家禽养殖", "农机服务", "肉牛养殖",
)
# fmt: on

SURNAMES: tuple[str, ...] = tuple(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# fmt: off
GIVEN_NAMES: tuple[str, ...] = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超",
    "秀英", "霞", "平", "刚", "桂英", "建华", "建国", "志强", "海燕", "晓东", "玉兰", "红梅", "俊", "浩",
    "宇", "欣怡", "子涵", "国强", "丽华", "建平", "文博", "晓明", "春燕", "海峰", "立新", "卫东", "淑珍",
    "志刚", "雪梅", "永军", "金凤", "德胜", "振华", "佳怡", "宏伟", "光明", "晓丽", "凤英", "小红", "家豪",
)
# fmt: on

# fmt: off
ROADS: tuple[str, ...] = (
    "人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "长江路", "黄河路", "学院路", "科技路",
    "工业路", "文化路", "朝阳路", "胜利路", "青年路", "光明路", "东风路", "滨江路", "环城路", "迎宾大道",
    "世纪大道", "创业大道", "振兴路", "幸福路", "健康路", "跃进路", "北京路", "上海路", "南京路",
    "湖滨路", "江南大道", "文一路", "高新路", "开发区大道", "府前街", "东大街", "西大街", "新村路",
)
# fmt: on

_SHORTENABLE = ("区", "县", "市", "旗")


@dataclass(frozen=True)
class Place:
    """A current county-level division as it appears in names, authorities and addresses."""

    code: str
    prefixes: tuple[str, ...]  # what a firm registered here puts before its trade name
    county: str  # 西湖区
    county_short: str  # 西湖
    city_short: str  # 杭州 (empty where there is no prefecture-level city)
    authority: str  # 杭州市西湖区市场监督管理局
    address: str  # 浙江省杭州市西湖区
    is_urban: bool  # a district (区) rather than a county or county-level city


def _short(name: str) -> str:
    if "自治" in name:
        return name
    if name.endswith("新区") and len(name) > 3:
        return name[:-2]
    if name.endswith(_SHORTENABLE) and len(name) >= 3:
        return name[:-1]
    return name


def places_from_divisions(rows: Iterable[tuple[str, str, str, int | None, str]]) -> list[Place]:
    """Places for every current county-level division, from (code, name, level, valid_until, full_name)."""
    rows = list(rows)
    names = {code: name for code, name, _level, _until, _full in rows}
    places = []
    for code, name, level, valid_until, full_name in rows:
        if level != "county" or valid_until is not None or name in {"市辖区", "县"} or "直辖" in name:
            continue
        province = names.get(code[:2] + "0000", "")
        prefecture = names.get(code[:4] + "00", "")
        if prefecture.endswith("市") and prefecture not in {"市辖区"}:
            city = prefecture  # 杭州市
        elif province.endswith("市"):
            city = province  # 北京市: the districts of a municipality
        else:
            city = ""  # a county-level city under the province, or a prefecture that is no city
        city_short = city[:-1] if city else ""
        county_short = _short(name)
        urban = name.endswith("区")
        if city_short and urban:
            prefixes = (city, city_short, city_short + county_short, city_short + county_short)
        elif city_short:
            prefixes = (name, county_short, city_short, city)
        else:
            prefixes = (name, county_short)
        # A district's bureau carries its city's name (杭州市西湖区…); a county's does not (桐庐县…).
        authority = (city if urban and city else "") + name + "市场监督管理局"
        places.append(
            Place(
                code=code,
                prefixes=prefixes,
                county=name,
                county_short=county_short,
                city_short=city_short,
                authority=authority,
                address=full_name,
                is_urban=urban,
            )
        )
    return places
