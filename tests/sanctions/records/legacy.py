"""Enterprises registered under legacy codes: real codes of the early Fujian pilot that fail the
GB 32100-2015 check character (copied from the project's shared data,
``uscc_real_legacy_invalid.txt``), registered as an administrator does it, with the legacy flag."""

from registry.services import enterprise_register
from tests.factories import EnterpriseFactory

LEGACY_CODES = ("91350100M0001TGQXM", "91350211M0000XUF46")


def register_legacy(registry_admin, code: str = LEGACY_CODES[0], name: str = "福州试点商贸有限公司"):
    """An enterprise registered through the service under a legacy code (flag and reason)."""
    return enterprise_register(
        actor=registry_admin,
        data={"uscc": code, "name": name},
        legacy=True,
        legacy_reason="福建早期试点赋予的代码，校验位不符；已与登记机关核实。",
    )


def unflagged(code: str = LEGACY_CODES[1]):
    """An enterprise holding a code that fails its check without the legacy flag (bad data)."""
    return EnterpriseFactory(uscc=code, name="厦门未标记商贸有限公司")
