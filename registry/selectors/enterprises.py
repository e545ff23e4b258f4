"""Enterprises by their code: the one that a USCC names, and the near misses of a mistyped one."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .. import search
from .. import uscc as uscc_codes
from ..models import Enterprise


def enterprise_get(*, uscc: str) -> Enterprise | None:
    code = uscc_codes.compact(uscc)
    if len(code) != uscc_codes.LENGTH:
        return None
    return Enterprise.objects.filter(uscc=code).prefetch_related("former_names").first()


def enterprise_in_path(uscc: str, *, view_name: str | None = None, **url_kwargs) -> Enterprise | HttpResponse:
    """The enterprise a URL names by its code: the one way every page and API resolves a USCC in a path.

    A code spelled otherwise (lower case, spaces, full-width characters) is sent to the canonical
    address when ``view_name`` is given (pages); without it (API, forms posted to a page) only the
    canonical spelling is found. An unknown code is a 404 either way.
    """
    code = uscc_codes.compact(uscc)
    if code != uscc:
        if view_name is not None and len(code) == uscc_codes.LENGTH:
            return redirect(view_name, uscc=code, **url_kwargs)
        raise Http404(_("No enterprise has this code."))
    enterprise = enterprise_get(uscc=code)
    if enterprise is None:
        raise Http404(_("No enterprise has this code."))
    return enterprise


def enterprise_code_suggestions(*, code: str) -> list[Enterprise]:
    """Registered enterprises whose valid code is one typing error away from ``code``; for 17
    characters also those whose code begins with them (a legacy code fails the check)."""
    neighbours = search.code_neighbours(code)
    wanted = Q(uscc__in=neighbours)
    code = uscc_codes.compact(code)
    if len(code) == uscc_codes.LENGTH - 1:
        wanted |= Q(uscc__gte=code, uscc__lte=code + "Z", uscc__startswith=code)
    elif not neighbours:
        return []
    return list(Enterprise.objects.filter(wanted).order_by("uscc")[:20])
