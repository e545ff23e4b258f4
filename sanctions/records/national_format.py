"""The national "double publicity" field codes (CF_* penalties, XK_* licences) and their Chinese names.

One table maps each record field to the headers it may carry in a file or an API payload. Reward
records use the penalty party block with their own content fields (JL_*), a registry extension.
"""

from __future__ import annotations

# field name -> (penalty code, licence code, Chinese names)
FIELDS: dict[str, tuple[str | None, str | None, tuple[str, ...]]] = {
    "party_name": ("CF_XDR_MC", "XK_XDR_MC", ("行政相对人名称", "相对人名称", "当事人名称")),
    "party_category": ("CF_XDR_LB", "XK_XDR_LB", ("行政相对人类别", "相对人类别")),
    "party_uscc": (
        "CF_XDR_SHXYM",
        "XK_XDR_SHXYM",
        ("统一社会信用代码", "行政相对人代码_1(统一社会信用代码)"),
    ),
    "party_registration_number": (
        "CF_XDR_GSZC",
        "XK_XDR_GSZC",
        ("工商注册号", "行政相对人代码_2(工商注册号)"),
    ),
    "party_organization_code": (
        "CF_XDR_ZZJG",
        "XK_XDR_ZZJG",
        ("组织机构代码", "行政相对人代码_3(组织机构代码)"),
    ),
    "party_tax_number": ("CF_XDR_SWDJ", "XK_XDR_SWDJ", ("税务登记号", "行政相对人代码_4(税务登记号)")),
    "party_institution_number": (
        "CF_XDR_SYDW",
        "XK_XDR_SYDW",
        ("事业单位证书号", "行政相对人代码_5(事业单位证书号)"),
    ),
    "party_social_org_number": (
        "CF_XDR_SHZZ",
        "XK_XDR_SHZZ",
        ("社会组织登记证号", "行政相对人代码_6(社会组织登记证号)"),
    ),
    "legal_representative": ("CF_FRDB", "XK_FRDB", ("法定代表人", "法定代表人姓名")),
    "legal_rep_id_type": ("CF_FR_ZJLX", "XK_FR_ZJLX", ("法定代表人证件类型",)),
    "legal_rep_id_number": ("CF_FR_ZJHM", "XK_FR_ZJHM", ("法定代表人证件号码",)),
    "document_name": (None, "XK_XKWS", ("行政许可决定文书名称", "决定文书名称")),
    "document_number": (
        "CF_WSH",
        "XK_WSH",
        ("行政处罚决定书文号", "处罚决定书文号", "行政许可决定文书号", "决定文书号"),
    ),
    "violation_type": ("CF_WFXW", None, ("违法行为类型",)),
    "violation_facts": ("CF_SY", None, ("违法事实", "处罚事由")),
    "legal_basis": ("CF_YJ", None, ("处罚依据",)),
    "penalty_categories": ("CF_CFLB", None, ("处罚类别",)),
    "content": ("CF_NR", "XK_NR", ("处罚内容", "许可内容", "奖励内容")),
    "fine_amount": ("CF_NR_FK", None, ("罚款金额(万元)", "罚款金额（万元）", "罚款金额")),
    "confiscated_amount": (
        "CF_NR_WFFF",
        None,
        ("没收违法所得、没收非法财物的金额(万元)", "没收违法所得、没收非法财物的金额（万元）", "没收金额"),
    ),
    "suspended_licence": ("CF_NR_ZKDX", None, ("暂扣或吊销证照名称及编号",)),
    "licence_category": (None, "XK_XKLB", ("许可类别",)),
    "certificate_name": (None, "XK_XKZS", ("许可证书名称",)),
    "certificate_number": (None, "XK_XKBH", ("许可编号",)),
    "decision_date": ("CF_JDRQ", "XK_JDRQ", ("处罚决定日期", "许可决定日期", "决定日期")),
    "valid_from": (None, "XK_YXQZ", ("有效期自",)),
    "valid_to": ("CF_YXQ", "XK_YXQZI", ("处罚有效期", "有效期至")),
    "declared_publicity_end": ("CF_GSJZQ", "XK_GSJZQ", ("公示截止期",)),
    "authority_name": ("CF_CFJG", "XK_XKJG", ("处罚机关", "许可机关")),
    "authority_uscc": ("CF_CFJGDM", "XK_XKJGDM", ("处罚机关统一社会信用代码", "许可机关统一社会信用代码")),
    "licence_status": (None, "XK_ZT", ("当前状态",)),
    "source_unit_name": ("CF_SJLY", "XK_SJLY", ("数据来源单位",)),
    "source_unit_uscc": ("CF_SJLYDM", "XK_SJLYDM", ("数据来源单位统一社会信用代码",)),
    "usage_scope": ("CF_SYFW", "XK_SYFW", ("使用范围", "共享范围")),
    "severity": ("CF_YZCD", None, ("失信严重程度", "严重程度")),
    "regulatory_field": ("CF_JGLY", None, ("监管领域",)),
    "remarks": ("BZ", "BZ", ("备注",)),
}

# Values as the national format writes them.
PARTY_CATEGORY_CODES = {
    "1": "legal_person",
    "2": "natural_person",
    "3": "individual_business",
    "法人及非法人组织": "legal_person",
    "自然人": "natural_person",
    "个体工商户": "individual_business",
}
USAGE_SCOPE_CODES = {
    "0": "public",
    "1": "government",
    "2": "authorised",
    "公开": "public",
    "政务共享": "government",
    "授权查询": "authorised",
}
LICENCE_STATUS_CODES = {
    "1": "valid",
    "2": "revoked",
    "3": "under_objection",
    "4": "other",
    "有效": "valid",
    "无效": "revoked",
    "撤销": "revoked",
    "异议": "under_objection",
    "其他": "other",
}
LICENCE_CATEGORY_NAMES = {"普通": "01", "特许": "02", "认可": "03", "核准": "04", "登记": "05", "其他": "06"}
SEVERITY_NAMES = {"轻微": "minor", "一般": "general", "严重": "serious", "特定严重": "specific_serious"}
ID_TYPE_NAMES = {
    "身份证": "resident_id",
    "居民身份证": "resident_id",
    "护照": "passport",
    "港澳居民来往内地通行证": "hk_macao",
    "台湾居民来往大陆通行证": "taiwan",
    "外国人永久居留身份证": "foreign_permanent",
    "其他": "other",
}


def header_map() -> dict[str, str]:
    """Every accepted header (national code, Chinese name, field name) → field name, normalised."""
    mapping: dict[str, str] = {}
    for field, (cf, xk, names) in FIELDS.items():
        for header in (field, cf, xk, *names):
            if header:
                mapping[normalise_header(header)] = field
    return mapping


def normalise_header(header: str) -> str:
    table = str.maketrans({"（": "(", "）": ")", " ": "", "\u3000": "", "\ufeff": ""})
    return str(header or "").translate(table).strip().upper()


def kind_from_headers(headers: list[str]) -> str | None:
    """penalty for CF_* files, licence for XK_*, by the first national code found."""
    for header in headers:
        code = normalise_header(header)
        if code.startswith("CF_"):
            return "penalty"
        if code.startswith("XK_"):
            return "licence"
    return None
