from __future__ import annotations

from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from lookup.signing import public_jwks
from registry import uscc as uscc_codes
from registry.selectors import division_describe, enterprise_get
from sanctions.choices import RecordKind
from sanctions.selectors import public_records_for


def enterprise_detail(request, uscc: str):
    code = uscc_codes.compact(uscc)
    if code != uscc:
        if len(code) == uscc_codes.LENGTH:
            return redirect("lookup:enterprise", uscc=code)
        raise Http404(_("No enterprise has this code."))
    enterprise = enterprise_get(uscc=code)
    if enterprise is None:
        raise Http404(_("No enterprise has this code."))
    records = list(public_records_for(enterprise=enterprise).order_by("-decision_date", "-id"))
    sections = [
        (kind, label, [r for r in records if r.kind == kind])
        for kind, label in ((RecordKind.LICENCE, _("Administrative licences")),
                            (RecordKind.PENALTY, _("Administrative penalties")),
                            (RecordKind.REWARD, _("Rewards and commendations")))
    ]
    return render(
        request,
        "lookup/enterprise.html",
        {
            "enterprise": enterprise,
            "division": division_describe(enterprise.division_code),
            "former_names": list(enterprise.former_names.all()),
            "sections": sections,
        },
    )


def not_found(request, exception=None):
    return render(request, "404.html", {"message": str(exception) if exception else ""}, status=404)


@cache_control(public=True, max_age=300)
def signing_keys(request):
    """The public keys that verify credit reports and QR badges, as a JSON Web Key Set."""
    return JsonResponse(public_jwks())
