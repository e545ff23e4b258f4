"""Checks on the files people attach to repair applications and objections.

A file is accepted for what it *is*, never for what its name or the browser says: a PDF must start
with the PDF signature, an image must be a PNG or JPEG that Pillow can parse and verify. Files are
stored under MEDIA_ROOT, which has no URL: staff download them through a view that checks
permission and serves them as attachments.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Model
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
_PILLOW_FORMATS = {"PNG": PNG, "JPEG": JPEG}
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg"}


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, with what the registry stores about it."""

    upload: UploadedFile
    original_name: str
    content_type: str
    size: int
    sha256: str


def _read(upload: UploadedFile) -> bytes:
    upload.seek(0)
    data = b"".join(upload.chunks())
    upload.seek(0)
    return data


def _image_type(data: bytes) -> str | None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            # A decompression bomb is refused, not just warned about.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                image.verify()
    except Exception:  # noqa: BLE001 - Pillow raises many kinds; any of them means "not an image"
        return None
    return _PILLOW_FORMATS.get(kind or "")


def sniff(data: bytes) -> str | None:
    """The content type the bytes really are (PDF, PNG or JPEG), or None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff"):
        return _image_type(data)
    return None


def clean_name(name: str, content_type: str) -> str:
    """A safe file name for the download, ending in the extension of what the file really is."""
    base = os.path.basename((name or "").replace("\\", "/")).strip()
    stem = os.path.splitext(base)[0][:120] or "file"
    try:
        stem = get_valid_filename(stem)
    except Exception:  # noqa: BLE001 - get_valid_filename refuses names like ".." outright
        stem = "file"
    return f"{stem}{EXTENSIONS[content_type]}"


def check_upload(upload: UploadedFile) -> CheckedFile:
    """Accept a PDF, PNG or JPEG up to the size limit, judged by its content; else ValidationError."""
    limit = settings.REMEDY_UPLOAD_MAX_BYTES
    name = upload.name or ""
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)d MB.") % {"name": name, "mb": limit // (1024 * 1024)},
            code="too_large",
        )
    data = _read(upload)
    if not data:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="empty")
    if len(data) > limit:
        raise ValidationError(
            _("“%(name)s” is larger than %(mb)d MB.") % {"name": name, "mb": limit // (1024 * 1024)},
            code="too_large",
        )
    content_type = sniff(data)
    if content_type is None:
        raise ValidationError(
            _("“%(name)s” is not a PDF, PNG or JPEG file (its content was checked, not its name).")
            % {"name": name},
            code="bad_type",
        )
    return CheckedFile(
        upload=upload,
        original_name=clean_name(name, content_type),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def check_uploads(uploads: list[UploadedFile]) -> list[CheckedFile]:
    """Check every file; all errors are reported together."""
    if len(uploads) > settings.REMEDY_UPLOAD_MAX_FILES:
        raise ValidationError(
            _("Attach at most %(n)d files.") % {"n": settings.REMEDY_UPLOAD_MAX_FILES}, code="too_many"
        )
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(check_upload(upload))
        except ValidationError as exc:
            errors.extend(exc.error_list)
    if errors:
        raise ValidationError(errors)
    return checked


def save_checked_files(
    make: Callable[[str, CheckedFile], Model], checked: list[tuple[str, CheckedFile]], saved: list[str]
) -> None:
    """Store each checked file on a new row made by ``make(kind, checked)``; ``saved`` collects the
    stored names, so that a caller whose transaction fails can delete them again."""
    for kind, item in checked:
        obj = make(kind, item)
        obj.file.save(item.original_name, item.upload, save=False)
        saved.append(obj.file.name)
        obj.save()


def delete_files(names: list[str]) -> None:
    for name in names:
        with contextlib.suppress(OSError):
            default_storage.delete(name)
