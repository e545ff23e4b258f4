"""The profiles' format and their compression: what a body's rendering depends on, digested into
this deployment's format, and the bodies compressed against a dictionary (a sample page's frame).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils import translation

from registry.models import Enterprise

from ..credit_page import CreditPage, credit_page_body

# Raise when the body's rendering changes in a way the files below do not show.
PROFILE_CODE_VERSION = "1"
# The portal's languages, each with its own body column.
COLUMNS = {"zh-hans": "body_zh", "en": "body_en"}
# What the rendered body depends on besides the data: a deployment that changes any of these has
# another format, and no profile written by an older one is shown. A folder stands for every Python
# file in it, so a module split into a package stays covered.
_SOURCES = (
    "lookup/jinja2/lookup/credit_body.html",
    "lookup/credit_page",
    "lookup/masking.py",
    "lookup/profiles",
    "config/jinja2.py",
    "sanctions/lists/standing.py",
    "sanctions/lists/standing_facts.py",  # valid_until: how long a stored profile is read
    "sanctions/lists/recognition.py",
    "registry/details/public.py",
    "registry/annual_reports/selectors.py",
    "locale/zh_Hans/LC_MESSAGES/django.mo",
)


_memo: dict[str, object] = {}


def _sample_page() -> CreditPage:
    """A fixed page with no records: its rendering in each language is the compression dictionary
    (most of a body is the same frame of headings and labels)."""
    enterprise = Enterprise(
        id=0,
        uscc="91330106MA2AXXXX0X",
        name="示例有限公司",
        entity_type="company",
        status="in_operation",
        legal_representative="张三",
        registered_capital=Decimal("1000"),
        established_on=dt.date(2000, 1, 1),
        domicile="浙江省杭州市西湖区",
        registration_authority="杭州市市场监督管理局",
        division_code="330106",
        industry="I",
        registration_number="",
        organization_code="",
        tax_number="",
        is_legacy_code=False,
        legacy_reason="",
        source="seed",
        updated_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
    )
    return CreditPage(
        enterprise=enterprise,
        records=[],
        listings=[],
        commitments=[],
        former_names=[],
        rating=None,
        division=None,
        today=dt.date(2000, 1, 1),
    )


def _dictionaries() -> dict[str, bytes]:
    found = _memo.get("dictionaries")
    if found is None:
        page = _sample_page()
        found = {}
        for language in COLUMNS:
            with translation.override(language):
                found[language] = credit_page_body(page).encode()
        _memo["dictionaries"] = found
    return found  # type: ignore[return-value]


def source_files() -> list[Path]:
    """The files of ``_SOURCES``, folders read as every Python file in them, in a stable order."""
    root = Path(settings.BASE_DIR)
    files: list[Path] = []
    for name in _SOURCES:
        path = root / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def profile_format() -> str:
    """This deployment's format: a digest of what renders a body (and of the dictionaries)."""
    found = _memo.get("format")
    if found is None:
        digest = hashlib.sha256(PROFILE_CODE_VERSION.encode())
        root = Path(settings.BASE_DIR)
        for path in source_files():
            digest.update(path.relative_to(root).as_posix().encode())
            # A missing file (a test holds that none is) still gives a format, never a failed page.
            digest.update(path.read_bytes() if path.exists() else b"-")
        for language, dictionary in sorted(_dictionaries().items()):
            digest.update(language.encode() + dictionary)
        found = _memo["format"] = digest.hexdigest()[:32]
    return found  # type: ignore[return-value]


def compress(body: str, language: str) -> bytes:
    packer = zlib.compressobj(6, zdict=_dictionaries()[language])
    return packer.compress(body.encode()) + packer.flush()


def decompress(data: bytes, language: str) -> str:
    unpacker = zlib.decompressobj(zdict=_dictionaries()[language])
    return (unpacker.decompress(data) + unpacker.flush()).decode()
