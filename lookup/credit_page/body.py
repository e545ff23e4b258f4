"""The credit page's body: its template context (masked fields with their labels) and its rendering.

The body is rendered by a Jinja2 template (``lookup/jinja2/lookup/credit_body.html``), several times
cheaper than the Django template language for a page of this size; its strings are the catalogue's
(``_("…")`` is found by ``makemessages`` like any ``{% translate %}``).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from config.jinja2 import localized_template
from registry.annual_reports.rules import OPTIONAL_FIELDS as ANNUAL_REPORT_OPTIONAL
from registry.details.public import public_registration_details
from registry.language import in_reader_language
from registry.models import AnnualReport, Enterprise
from sanctions.lists.standing import penalty_counts, standing_from
from sanctions.models import Commitment, Inspection

from ..masking import (
    SECTION_KINDS,
    public_listing_fields,
    public_text,
    section_title,
    sections_of,
    with_labels,
)
from .page import CreditPage

# Choice labels by language, model and field: ``get_FOO_display()`` builds a dict of every choice
# on each call, translating all of their labels (some seventy translations for a page).
_CHOICE_LABELS: dict[tuple[str | None, type, str], dict[Any, str]] = {}


def choice_label(model: type[models.Model], name: str, value: Any) -> str:
    """What ``get_<name>_display()`` says, in the active language."""
    key = (translation.get_language(), model, name)
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        labels = _CHOICE_LABELS[key] = {
            choice: str(label) for choice, label in model._meta.get_field(name).flatchoices
        }
    return labels.get(value, "" if value is None else str(value))


class Fields(dict):
    """A mapping whose keys the template reads as attributes (``r.kind``): Jinja2 tries an attribute
    before an item, and a plain dict would fail the attribute (an exception) on every field."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


# ``?source=`` of the credit page: the records and listings of this platform (theirs have no source
# platform), or of one partner platform by its code.
LOCAL_SOURCE = "local"


def _source_of(item: Any) -> str:
    return getattr(item, "source_platform", "") or LOCAL_SOURCE


def source_choices(page: CreditPage, selected: str | None) -> list[tuple[str, str, bool]]:
    """The sources of the page's records and listings, as (code, name, selected), this platform first;
    empty when every one is this platform's (nothing to filter)."""
    names: dict[str, str] = {}
    for item in [*page.records, *page.listings]:
        code = _source_of(item)
        if code not in names:
            if code == LOCAL_SOURCE:
                names[code] = _("This platform")
            else:
                names[code] = in_reader_language(
                    getattr(item, "source_platform_name", code), getattr(item, "source_platform_name_en", "")
                )
    if set(names) <= {LOCAL_SOURCE} and selected is None:
        return []
    ordered = sorted(names.items(), key=lambda pair: (pair[0] != LOCAL_SOURCE, pair[1]))
    return [("", _("All sources"), selected is None)] + [
        (code, name, code == selected) for code, name in ordered
    ]


def _rating(rating: dict[str, Any] | None) -> Fields | None:
    """The grade the page shows, its model named in the active language (English where it has one)."""
    if not rating:
        return None
    return Fields(rating, model_name=in_reader_language(rating["model_name"], rating.get("model_name_en")))


def credit_page_context(page: CreditPage, *, source: str | None = None) -> dict[str, Any]:
    """The body template's context, in the active language: masked fields with their labels.

    ``source`` (``LOCAL_SOURCE`` or a partner platform's code) keeps only the records and listings of
    that source; the standing is still the enterprise's, from all of them."""
    enterprise = page.enterprise
    records = page.records if source is None else [r for r in page.records if _source_of(r) == source]
    by_kind = sections_of(records)
    objected = {record.pk for record in records if record.under_objection}
    sections = [
        (
            kind.value,
            section_title(kind),
            [
                Fields(with_labels(r), under_objection=r["id"] in objected)
                for r in by_kind.get(kind.value, [])
            ],
        )
        for kind in SECTION_KINDS
    ]
    standing = standing_from(
        enterprise=enterprise, listings=page.listings, penalties=penalty_counts(page.records)
    )
    listings = page.listings if source is None else [e for e in page.listings if _source_of(e) == source]
    for commitment in page.commitments:
        commitment.public_content = public_text(commitment.content, codes=(enterprise.uscc,))
        commitment.kind_display = choice_label(Commitment, "kind", commitment.kind)
        commitment.status_display = choice_label(Commitment, "status", commitment.status)
    counts = [(kind, label, len(items)) for kind, label, items in sections]
    counts += [
        ("inspections", _("Inspection results"), page.inspections[0]["total"] if page.inspections else 0),
        ("lists", _("Lists"), len(listings)),
        ("commitments", _("Credit commitments"), len(page.commitments)),
    ]
    counts.insert(len(sections), ("annual-reports", _("Annual reports"), len(page.annual_reports)))
    return {
        "enterprise": enterprise,
        "labels": Fields(
            (name, choice_label(Enterprise, name, getattr(enterprise, name)))
            for name in ("status", "entity_type", "industry", "source")
        ),
        # What ``division_describe`` says, read with the page.
        "division": Fields(page.division, code=enterprise.division_code) if page.division else None,
        "former_names": [Fields(former) for former in page.former_names],
        "standing": Fields(standing.as_dict(), details=standing.details),
        "section_counts": counts,
        "sections": sections,
        "rating": _rating(page.rating),
        "listings": [
            (
                Fields(with_labels(public_listing_fields(entry, enterprise=enterprise))),
                entry.pk in page.objected_listings,
            )
            for entry in listings
        ],
        "source_filter": source_choices(page, source),
        "source_selected": source,
        "commitments": page.commitments,
        "inspections": [
            Fields(
                item,
                outcome_display=choice_label(Inspection, "outcome", item["outcome"]),
                findings=public_text(item["findings"], codes=(enterprise.uscc,)),
                consequences=public_text(item["consequences"], codes=(enterprise.uscc,)),
            )
            for item in page.inspections
        ],
        "inspections_total": page.inspections[0]["total"] if page.inspections else 0,
        "annual_reports": [
            Fields(
                report,
                status_display=choice_label(AnnualReport, "operating_status", report["operating_status"]),
            )
            for report in page.annual_reports
        ],
        "annual_report_optional": ANNUAL_REPORT_OPTIONAL,
        "listed_period": pgettext("period", "Listed"),
        "regdetails": Fields(public_registration_details(page.registration_details or {})),
        "updated": timezone.localtime(enterprise.updated_at).strftime("%Y-%m-%d %H:%M")
        if enterprise.updated_at
        else "",
    }


def credit_page_body(page: CreditPage, *, source: str | None = None) -> str:
    """The rendered body of a credit page in the active language (``source``: only its records)."""
    return localized_template("lookup/credit_body.html").render(credit_page_context(page, source=source))
