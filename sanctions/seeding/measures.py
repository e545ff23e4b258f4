"""The published catalogue of joint measures that the demo's lists trigger: two real memoranda of
joint punishment and joint reward, their measures applied by the demo agencies."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from sanctions.choices import MeasureNature
from sanctions.lists.measures import measure_publish, measure_save, memorandum_save
from sanctions.models import ListKind, Measure, Memorandum

from .context import SeedContext

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
    made = 0
    for name, number, signed_on, signatories, list_kind, nature, measures in MEMORANDA:
        memorandum = Memorandum.objects.filter(document_number=number).first()
        if memorandum is None:
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
