"""Template filters for the public pages rendered by ``sanctions`` (the lists, an objection's
follow-up): the same masking as the credit page, the report and the API (docs/domain.md §2)."""

from __future__ import annotations

from django import template

from sanctions.records import personal_data

register = template.Library()


@register.filter
def public_text(text: str | None) -> str:
    """Free text with ID numbers and phone numbers masked (a listing's grounds)."""
    return personal_data.public_text(text)


@register.filter
def public_party_name(record) -> str:
    """A record's party as the public sees it: in part (张*丰) for a natural person."""
    return personal_data.public_party_name(record)
