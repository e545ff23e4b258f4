"""Checks on the files people attach to repair applications and objections.

A file is accepted for what it *is*, never for what its name or the browser says: a PDF must start
with the PDF signature and be a PDF that pypdf can read, an image must be a PNG or JPEG that Pillow
can parse and verify. A PDF that can act when it is opened is refused (``active_content``):
JavaScript, launch actions, embedded files, XFA forms, multimedia, forms that send data; so is a
polyglot, a file that starts as a PDF but holds a web page or a script as well. Files are stored
under MEDIA_ROOT, which has no URL: staff download them through a view that checks permission and
serves them as attachments.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import re
import warnings
from collections.abc import Callable, Iterator
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


# Names in a PDF that make it act when opened: what each one is, for the message.
_ACTIVE_NAMES = {
    "JS": "JavaScript",
    "JavaScript": "JavaScript",
    "Launch": "launch",
    "EmbeddedFile": "embedded",
    "EmbeddedFiles": "embedded",
    "FileAttachment": "embedded",
    "GoToE": "embedded",
    "XFA": "xfa",
    "RichMedia": "media",
    "SubmitForm": "submit",
    "ImportData": "submit",
}
# A name token, with its #xx escapes (/J#53 is /JS).
_NAME = re.compile(rb"/((?:[A-Za-z0-9_.+\-]|#[0-9A-Fa-f]{2}){1,127})")
_ESCAPED = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"\bstream\r?\n")
_WEB = re.compile(
    rb"<\s*(?:script|html|body|iframe|svg|object|embed|!doctype\s+html)[\s>/]|javascript:", re.I
)
# Between the header and the first object only comments and white space may stand.
_FIRST_OBJECT = re.compile(rb"\d+\s+\d+\s+obj\b")
_HEADER_JUNK = re.compile(rb"[^\s%]")
# Objects of a PDF walked at most (a PDF of 10 MB has some thousands).
MAX_PDF_NODES = 500_000


def _outside_streams(data: bytes) -> Iterator[bytes]:
    """The file's bytes but the streams' contents (images, fonts: binary, where /JS may occur by chance)."""
    at = 0
    for match in _STREAM.finditer(data):
        if match.start() < at:
            continue
        yield data[at : match.start()]
        end = data.find(b"endstream", match.end())
        at = len(data) if end < 0 else end
    yield data[at:]


def _active_in_raw(data: bytes) -> str | None:
    """The kind of active content the file names outside its streams, even in objects no reference
    reaches (a viewer that repairs a file may find them), if any."""
    for part in _outside_streams(data):
        for match in _NAME.finditer(part):
            name = match.group(1)
            if b"#" in name:
                name = _ESCAPED.sub(lambda m: bytes([int(m.group(1), 16)]), name)
            kind = _ACTIVE_NAMES.get(name.decode("latin-1"))
            if kind is not None:
                return kind
    return None


def _active_in_objects(reader) -> str | None:
    """The kind of active content any object of the PDF holds, object streams included."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    budget = [MAX_PDF_NODES]

    def walk(node) -> str | None:
        stack = [node]
        while stack:
            item = stack.pop()
            budget[0] -= 1
            if budget[0] < 0:
                raise ValueError("too many objects")
            if isinstance(item, DictionaryObject):
                for key, value in item.items():
                    kind = _ACTIVE_NAMES.get(str(key)[1:])
                    if kind is None and isinstance(value, NameObject) and key in ("/S", "/Type", "/Subtype"):
                        kind = _ACTIVE_NAMES.get(str(value)[1:])
                    if kind is not None:
                        return kind
                    if not isinstance(value, IndirectObject):
                        stack.append(value)
            elif isinstance(item, ArrayObject):
                stack.extend(v for v in item if not isinstance(v, IndirectObject))
        return None

    found = walk(reader.trailer)
    numbers = [(number, generation) for generation, ids in reader.xref.items() for number in ids]
    numbers += [(number, 0) for number in reader.xref_objStm]
    for number, generation in numbers:
        if found is not None:
            break
        item = reader.get_object(IndirectObject(number, generation, reader))
        if item is not None:
            found = walk(item)
    return found


def _active_message(name: str, kind: str) -> str:
    what = {
        "JavaScript": _("JavaScript"),
        "launch": _("an action that launches a program"),
        "embedded": _("files embedded in it"),
        "xfa": _("an XFA form"),
        "media": _("multimedia"),
        "submit": _("a form that sends data"),
    }[kind]
    return _(
        "“%(name)s” is a PDF with active content (%(what)s), which is not accepted: print it to a new "
        "PDF, or scan the paper, and attach that."
    ) % {"name": name, "what": what}


def check_pdf(data: bytes, name: str) -> None:
    """A PDF that is only a document: readable by pypdf, no active content, no web page inside."""
    polyglot = ValidationError(
        _(
            "“%(name)s” starts as a PDF but holds something else too (a web page, a script, other "
            "data before the document); it is not accepted."
        )
        % {"name": name},
        code="polyglot",
    )
    if _WEB.search(data):
        raise polyglot
    first = _FIRST_OBJECT.search(data)
    if first is None:
        raise _unreadable_pdf(name)
    header_end = data.find(b"\n", 0, 1024)
    preamble = data[header_end + 1 if header_end > 0 else 8 : first.start()]
    if _HEADER_JUNK.search(
        b"\n".join(line for line in preamble.splitlines() if not line.lstrip().startswith(b"%"))
    ):
        raise polyglot
    kind = _active_in_raw(data)
    if kind is None:
        kind = _pdf_objects_kind(data, name)
    if kind is not None:
        raise ValidationError(_active_message(name, kind), code="active_pdf")


def _unreadable_pdf(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” starts as a PDF but cannot be read as one; save it again as a PDF and attach it again.")
        % {"name": name},
        code="bad_pdf",
    )


def _pdf_objects_kind(data: bytes, name: str) -> str | None:
    from pypdf import PdfReader

    unreadable = _unreadable_pdf(name)
    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # a damaged but readable file is not worth a warning per object
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise ValidationError(
                    _("“%(name)s” is a PDF protected by a password; save it without one and attach it again.")
                    % {"name": name},
                    code="encrypted",
                )
            if reader.trailer.get("/Root") is None:
                raise unreadable
            return _active_in_objects(reader)
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - pypdf raises many kinds on a damaged or hostile file
        raise unreadable from None
    finally:
        pypdf_log.setLevel(level)


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
    if content_type == PDF:
        check_pdf(data, name)
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
