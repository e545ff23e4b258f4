"""What one request may upload, enforced before its body is read.

Django reads a body only when a view (or the CSRF check) asks for ``request.POST``, and then takes
whatever was sent: a 250 MB import file was stored through the API, and the desk refused one only
after receiving all of it. ``UploadLimitMiddleware`` stands before anything that reads the body:

- a body whose Content-Length is over its path's limit is refused at once with 413 (JSON on the
  API, a translated page elsewhere), unread;
- a body sent without a Content-Length (chunked) is refused with 411 under WSGI, where Django would
  not read it anyway (the form would arrive empty); under ASGI it is counted as it streams;
- whatever is read is counted: past the limit, reading stops and the answer is 413.

The limits, in bytes of files a request may carry, plus ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for the
form's other fields: ``RECORD_IMPORT_MAX_BYTES`` for the record imports (the desk's upload form
and ``POST /api/v1/imports/``), ``REMEDY_UPLOAD_MAX_FILES`` × ``REMEDY_UPLOAD_MAX_BYTES`` for the
repair application and objection forms, ``UPLOAD_MAX_BYTES`` anywhere else. Each form still checks
its own files (one import file, each attachment) and says which is too large.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.template import loader
from django.template.defaultfilters import filesizeformat
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from .api.exceptions import api_error_json

# The views that take files, by URL name (the import forms are sanctions', the remedy forms
# remedies'; named here, not imported: the registry knows no app above it).
IMPORT_VIEWS = frozenset({"sanctions:imports", "import-list"})
REMEDY_VIEWS = frozenset({"remedies:apply", "remedies:object-record", "remedies:object-listing"})


def files_allowed(view_name: str | None) -> int:
    """The bytes of files one request to this view may carry."""
    if view_name in IMPORT_VIEWS:
        return int(settings.RECORD_IMPORT_MAX_BYTES)
    if view_name in REMEDY_VIEWS:
        return int(settings.REMEDY_UPLOAD_MAX_BYTES) * int(settings.REMEDY_UPLOAD_MAX_FILES)
    return int(settings.UPLOAD_MAX_BYTES)


def limits(request: HttpRequest) -> tuple[int, int]:
    """(bytes of files this request may carry, the largest body it may have: its files, plus its
    form's other fields)."""
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        view_name = None
    files = files_allowed(view_name)
    return files, files + int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)


class UploadTooLarge(UnreadablePostError):
    """The body went past its limit while it was read."""


class _CountedBody:
    """The request's body stream, refused once more than ``limit`` bytes are read from it."""

    def __init__(self, stream: Any, limit: int, request: HttpRequest) -> None:
        self._stream = stream
        self._limit = limit
        self._request = request
        self._read = 0

    def _count(self, data: bytes) -> bytes:
        self._read += len(data)
        if self._read > self._limit:
            self._request.upload_too_large = True
            raise UploadTooLarge("the request body is larger than its limit")
        return data

    def read(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            # Never more than one byte past the limit, whatever is asked.
            size = self._limit - self._read + 1
        return self._count(self._stream.read(size))

    def readline(self, size: int = -1, /) -> bytes:
        if size is None or size < 0:
            size = self._limit - self._read + 1
        return self._count(self._stream.readline(size))

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def too_large(request: HttpRequest, sent: int | None = None) -> HttpResponse:
    """413: JSON on the API, else the portal's page; says how much may be sent here."""
    limit, _body = limits(request)
    if sent is not None:
        message = _(
            "This upload is too large: %(sent)s was sent, and at most %(limit)s may be sent here. "
            "Send a smaller file, or split an import into several files."
        ) % {"sent": filesizeformat(sent), "limit": filesizeformat(limit)}
    else:
        message = _(
            "This upload is too large: at most %(limit)s may be sent here. Send a smaller file, or "
            "split an import into several files."
        ) % {"limit": filesizeformat(limit)}
    return _refusal(request, 413, _("Upload too large"), message)


def length_required(request: HttpRequest) -> HttpResponse:
    """411: a body without a Content-Length, which Django would not read under WSGI."""
    message = _(
        "Send the upload with its length (a Content-Length header): a body sent in chunks without "
        "one cannot be received here."
    )
    return _refusal(request, 411, _("Length required"), message)


def _refusal(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        response: HttpResponse = api_error_json(status, message)
    else:
        body = loader.get_template("413.html").render({"status": status, "title": title, "message": message})
        response = HttpResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


class UploadLimitMiddleware:
    """Refuses a request body larger than its path allows before anything reads it (see the module).

    It must stand before ``CsrfViewMiddleware``, which reads the body of every POST.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        declared = meta.get("CONTENT_LENGTH")
        chunked = "HTTP_TRANSFER_ENCODING" in meta
        if not declared and not chunked:
            return self.get_response(request)
        _files, limit = limits(request)
        if declared:
            try:
                sent = int(declared)
            except ValueError:
                sent = 0  # Django reads no body then
            if sent > limit:
                return too_large(request, sent)
        elif chunked and "wsgi.input" in meta:
            return length_required(request)
        stream = getattr(request, "_stream", None)
        if stream is not None:
            request._stream = _CountedBody(stream, limit, request)
        response = self.get_response(request)
        if getattr(request, "upload_too_large", False):
            return too_large(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, UploadTooLarge):
            return too_large(request)
        return None
