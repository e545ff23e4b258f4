"""The reader's language, for the texts the registry keeps in Chinese and, beside them, in English
(the names of lists, penalty categories, rating models, their rules and grades, partner platforms).
Chinese is the registry's own language: a text without an English version is shown in Chinese on the
English pages too."""

from __future__ import annotations

from django.utils import translation


def reading_english() -> bool:
    """Whether the active language is English (``en`` or a variant of it)."""
    return (translation.get_language() or "").startswith("en")


def in_reader_language(chinese: str, english: str | None) -> str:
    """``english`` on an English page when there is one, ``chinese`` otherwise."""
    return english if english and reading_english() else chinese
