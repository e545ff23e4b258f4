"""What the remedies pages share: private responses, uploaded files served as downloads, and a
service's refusal shown as messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse


def private(response: HttpResponse) -> HttpResponse:
    """Never cached, never sent on as a referrer to another site, never indexed: the page holds a key
    or a file. "same-origin", not "no-referrer": with no referrer browsers send ``Origin: null`` with
    the page's own forms (tracking an objection, withdrawing an application), and CSRF refuses them."""
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def serve_file(file_field: FieldFile, *, filename: str, content_type: str) -> FileResponse:
    """A stored upload as a download: never rendered inline, never sniffed into something else."""
    try:
        handle = file_field.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return private(response)


def show_refusal(request: HttpRequest, exc: ValidationError) -> None:
    """A service's refusal of a step that has no form of its own, as error messages on the next page."""
    for message in exc.messages:
        messages.error(request, message)
