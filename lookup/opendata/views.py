"""The open data download page (``/open-data/``) and its files."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from .datasets import DATASETS
from .export import JWKS_PATH, MANIFEST, SIGNATURE
from .store import export_dates, export_file, export_get


def _row(published, kind: str, dataset: str) -> dict:
    files = {f["format"]: f for f in published.files(kind) if f["dataset"] == dataset}
    for entry in files.values():
        entry["url"] = reverse("lookup:open-data-file", args=[published.date, entry["path"]])
    return files


def _statistics_row(published) -> list[dict]:
    """The statistics' files (the figures of ``/statistics/``), listed with the datasets; they have no
    delta: each export carries the figures of the latest refresh whole."""
    summary = published.manifest.get("statistics")
    if not summary:
        return []
    return [
        {
            "name": "statistics",
            "title": _("Statistics (the figures of the statistics page)"),
            "rows": summary["rows"],
            "delta": None,
            "full": _row(published, "full", "statistics"),
            "changes": {},
        }
    ]


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    """The latest export: every file with its size, rows and SHA-256, the deltas, the signed manifest,
    and how to check them."""
    published = export_get()
    context: dict = {
        "published": published,
        "jwks_url": request.build_absolute_uri(JWKS_PATH),
        "verify_url": request.build_absolute_uri(reverse("lookup:open-data-verify-script")),
    }
    if published is not None:
        summaries = published.manifest["datasets"]
        context.update(
            {
                "datasets": [
                    {
                        "name": d.name,
                        "title": d.title,
                        "rows": summaries[d.name]["rows"],
                        "delta": summaries[d.name]["delta"],
                        "full": _row(published, "full", d.name),
                        "changes": _row(published, "delta", d.name),
                    }
                    for d in DATASETS
                    if d.name in summaries
                ]
                + _statistics_row(published),
                "manifest_url": reverse("lookup:open-data-file", args=[published.date, MANIFEST]),
                "signature_url": reverse("lookup:open-data-file", args=[published.date, SIGNATURE]),
                "base_url": request.build_absolute_uri(reverse("lookup:open-data-latest", args=["x"]))[:-1],
                "earlier": [d for d in export_dates() if d != published.date],
            }
        )
    return render(request, "lookup/open_data.html", context)


@require_safe
@cache_control(public=True, max_age=3600)
def open_data_file(request: HttpRequest, date: str, name: str) -> FileResponse:
    """A file of a published export, streamed from disk (or by the web server: docs/open-data.md)."""
    found = export_file(date, name)
    if found is None:
        raise Http404("No such file in the open data exports.")
    path, content_type = found
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        content_type=content_type,
        as_attachment=content_type == "application/gzip",
        filename=f"{date}-{path.name}" if content_type == "application/gzip" else path.name,
    )


@require_safe
def open_data_latest(request: HttpRequest, name: str) -> HttpResponse:
    """The same file of the latest export (a stable address for scripts): a redirect to its dated one."""
    published = export_get()
    if published is None or export_file(published.date, name) is None:
        raise Http404("No such file in the latest open data export.")
    response = redirect("lookup:open-data-file", published.date, name)
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
@cache_control(public=True, max_age=3600)
def open_data_verify_script(request: HttpRequest) -> FileResponse:
    """The verification script itself (``lookup/opendata/verify.py``: standard library and cryptography)."""
    path = Path(__file__).with_name("verify.py")
    return FileResponse(
        open(path, "rb"),  # noqa: SIM115 - FileResponse closes it
        content_type="text/x-python; charset=utf-8",
        as_attachment=True,
        filename="verify.py",
    )
