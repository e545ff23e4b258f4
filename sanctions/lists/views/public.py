"""Public pages of the credit system: the lists and who is on them, the measures, and ratings.

Public information only; no account needed.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from registry.language import reading_english
from registry.selectors import enterprise_in_path
from sanctions.desk.views import paginate
from sanctions.lists.measures import measures_catalogue
from sanctions.lists.ratings import default_rating_model, rating_current, rating_history
from sanctions.lists.selectors import list_kinds_public, listings_on
from sanctions.models import EnterpriseRating, ListKind, RatingRule


def credit_lists(request: HttpRequest) -> HttpResponse:
    """Every list with its published inclusion and removal conditions and how many are on it today."""
    return render(request, "lists/public_lists.html", {"kinds": list_kinds_public()})


def credit_list(request: HttpRequest, code: str) -> HttpResponse:
    """One list: its conditions and the enterprises on it today (public information)."""
    kind = get_object_or_404(ListKind, pk=code, active=True)
    return render(
        request,
        "lists/public_list.html",
        {"kind": kind, "page": paginate(request, listings_on(list_kind=kind))},
    )


def credit_measures(request: HttpRequest) -> HttpResponse:
    """The published catalogue of joint rewards and punishments in force today."""
    catalogue = measures_catalogue()
    groups: dict[Any, list] = {}
    for measure in catalogue:
        groups.setdefault(measure.list_kind, []).append(measure)
    return render(request, "lists/public_measures.html", {"groups": list(groups.items())})


def rating_explanation_display(rating: EnterpriseRating) -> list[dict[str, Any]]:
    """The rules that counted, as stored when the grade was computed; in English, each rule and list
    named by its English name where it has one (the stored names are the Chinese ones)."""
    if not reading_english():
        return rating.explanation
    rules = dict(
        RatingRule.objects.filter(model_id=rating.model_id).exclude(name_en="").values_list("pk", "name_en")
    )
    lists = dict(ListKind.objects.exclude(name_en="").values_list("code", "name_en"))
    return [
        {
            **entry,
            "name": rules.get(entry.get("rule"), entry.get("name")),
            "items": [
                {**item, "list_name": lists.get(item.get("list"), item.get("list_name"))}
                for item in entry.get("items", ())
            ],
        }
        for entry in rating.explanation
    ]


def credit_rating(request: HttpRequest, uscc: str) -> HttpResponse:
    """An enterprise's grade under the default model, every rule that fired, and its history."""
    enterprise = enterprise_in_path(uscc, view_name="lists:public-rating")
    if isinstance(enterprise, HttpResponse):
        return enterprise
    model = default_rating_model()
    current = rating_current(enterprise=enterprise, model=model) if model else None
    history = list(rating_history(enterprise=enterprise, model=model)[:20]) if model else []
    return render(
        request,
        "lists/public_rating.html",
        {
            "enterprise": enterprise,
            "model": model,
            "rating": current,
            "explanation": rating_explanation_display(current) if current else [],
            "history": history,
        },
    )
