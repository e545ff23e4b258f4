"""The national "double publicity" field codes (CF_* penalties, XK_* licences) and their Chinese names.

One table maps each record field to its national code for each kind, the column name the national
standard gives it for each kind, and other names agencies' files use for it. Reward records use the
penalty party block with their own content fields (JL_*), a registry extension.

``header_map`` turns the table into the headers a file may carry; the record importer adds the desk
form's own labels to it (``sanctions.records.importing.files.header_map``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sanctions.choices import RecordKind


@dataclass(frozen=True)
class NationalField:
    """A record field in the national format: its code and column name for penalties and licences."""

    penalty_code: str | None
    licence_code: str | None
    penalty_name: str | None = None
    licence_name: str | None = None
    aliases: tuple[str, ...] = ()  # other names for the column, seen in agencies' files

    def code(self, kind: str) -> str | None:
        """The CF_* code for a penalty (and a reward), the XK_* code for a licence."""
        return self.licence_code if kind == RecordKind.LICENCE else self.penalty_code

    def name(self, kind: str) -> str | None:
        """The national standard's Chinese column name for this kind (None: not a column of it)."""
        return self.licence_name if kind == RecordKind.LICENCE else self.penalty_name

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c for c in dict.fromkeys((self.penalty_code, self.licence_code)) if c)

    @property
    def names(self) -> tuple[str, ...]:
        """Every Chinese name: the national ones first, then the aliases."""
        return tuple(n for n in dict.fromkeys((self.penalty_name, self.licence_name, *self.aliases)) if n)


def _both(penalty_code: str, licence_code: str, name: str, *aliases: str) -> NationalField:
    """A field both kinds have under the same Chinese name."""
    return NationalField(penalty_code, licence_code, name, name, aliases)


def _party_code(suffix: str, number: int, name: str) -> NationalField:
    return _both(f"CF_XDR_{suffix}", f"XK_XDR_{suffix}", f"行政相对人代码_{number}({name})", name)


FIELDS: dict[str, NationalField] = {
    "party_name": _both("CF_XDR_MC", "XK_XDR_MC", "行政相对人名称", "相对人名称", "当事人名称"),
    "party_category": _both("CF_XDR_LB", "XK_XDR_LB", "行政相对人类别", "相对人类别"),
    "party_uscc": _party_code("SHXYM", 1, "统一社会信用代码"),
    "party_registration_number": _party_code("GSZC", 2, "工商注册号"),
    "party_organization_code": _party_code("ZZJG", 3, "组织机构代码"),
    "party_tax_number": _party_code("SWDJ", 4, "税务登记号"),
    "party_institution_number": _party_code("SYDW", 5, "事业单位证书号"),
    "party_social_org_number": _party_code("SHZZ", 6, "社会组织登记证号"),
    "legal_representative": _both("CF_FRDB", "XK_FRDB", "法定代表人", "法定代表人姓名"),
    "legal_rep_id_type": _both("CF_FR_ZJLX", "XK_FR_ZJLX", "法定代表人证件类型"),
    "legal_rep_id_number": _both("CF_FR_ZJHM", "XK_FR_ZJHM", "法定代表人证件号码"),
    "document_name": NationalField(None, "XK_XKWS", None, "行政许可决定文书名称", ("决定文书名称",)),
    "document_number": NationalField(
        "CF_WSH", "XK_WSH", "行政处罚决定书文号", "行政许可决定文书号", ("处罚决定书文号", "决定文书号")
    ),
    "violation_type": NationalField("CF_WFXW", None, "违法行为类型"),
    "violation_facts": NationalField("CF_SY", None, "违法事实", None, ("处罚事由",)),
    "legal_basis": NationalField("CF_YJ", None, "处罚依据"),
    "penalty_categories": NationalField("CF_CFLB", None, "处罚类别"),
    "content": NationalField("CF_NR", "XK_NR", "处罚内容", "许可内容", ("奖励内容",)),
    "fine_amount": NationalField("CF_NR_FK", None, "罚款金额(万元)", None, ("罚款金额",)),
    "confiscated_amount": NationalField(
        "CF_NR_WFFF", None, "没收违法所得、没收非法财物的金额(万元)", None, ("没收金额",)
    ),
    "suspended_licence": NationalField("CF_NR_ZKDX", None, "暂扣或吊销证照名称及编号"),
    "licence_category": NationalField(None, "XK_XKLB", None, "许可类别"),
    "certificate_name": NationalField(None, "XK_XKZS", None, "许可证书名称"),
    "certificate_number": NationalField(None, "XK_XKBH", None, "许可编号"),
    "decision_date": NationalField("CF_JDRQ", "XK_JDRQ", "处罚决定日期", "许可决定日期", ("决定日期",)),
    "valid_from": NationalField(None, "XK_YXQZ", None, "有效期自"),
    "valid_to": NationalField("CF_YXQ", "XK_YXQZI", "处罚有效期", "有效期至"),
    "declared_publicity_end": _both("CF_GSJZQ", "XK_GSJZQ", "公示截止期"),
    "authority_name": NationalField("CF_CFJG", "XK_XKJG", "处罚机关", "许可机关"),
    "authority_uscc": NationalField(
        "CF_CFJGDM", "XK_XKJGDM", "处罚机关统一社会信用代码", "许可机关统一社会信用代码"
    ),
    "licence_status": NationalField(None, "XK_ZT", None, "当前状态"),
    "source_unit_name": _both("CF_SJLY", "XK_SJLY", "数据来源单位"),
    "source_unit_uscc": _both("CF_SJLYDM", "XK_SJLYDM", "数据来源单位统一社会信用代码"),
    "usage_scope": _both("CF_SYFW", "XK_SYFW", "使用范围", "共享范围"),
    "severity": NationalField("CF_YZCD", None, "失信严重程度", None, ("严重程度",)),
    "regulatory_field": NationalField("CF_JGLY", None, "监管领域"),
    "remarks": _both("BZ", "BZ", "备注"),
}

# Columns of the national format the registry does not hold (the natural person's own identity
# document, kept only as the legal representative's): their headers are never read as another field.
UNHELD_COLUMNS: dict[str, str] = {
    "CF_XDR_ZJLX": "证件类型",
    "CF_XDR_ZJHM": "证件号码",
    "XK_XDR_ZJLX": "证件类型",
    "XK_XDR_ZJHM": "证件号码",
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
    """Every national header (code, Chinese name, or the field's own name) → field name, normalised."""
    mapping: dict[str, str] = {}
    for name, national in FIELDS.items():
        for header in (name, *national.codes, *national.names):
            mapping[normalise_header(header)] = name
    return mapping


_HEADER_FOLD = str.maketrans(
    {"（": "(", "）": ")", "’": "'", "‘": "'", "：": ":", " ": "", "\u3000": "", "\ufeff": "", "\u00a0": ""}
)


def normalise_header(header: str) -> str:
    """A header as compared: full-width brackets folded, spaces and a required mark (*) or colon
    around it dropped, upper case."""
    return str(header or "").translate(_HEADER_FOLD).strip().strip("*:").upper()


def kind_from_headers(headers: list[str]) -> str | None:
    """penalty for CF_* files, licence for XK_*, by the first national code found."""
    for header in headers:
        code = normalise_header(header)
        if code.startswith("CF_"):
            return RecordKind.PENALTY
        if code.startswith("XK_"):
            return RecordKind.LICENCE
    return None
