"""Which agency a clerk records for through the API, when the request may leave it out."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions

from registry.models import Agency
from registry.selectors import agency_get
from sanctions.permissions import agencies_of, can_edit_records


def recording_agency(
    user, uscc: str | None, *, several: str, no_clerk: str, prefer: str | None = None
) -> Agency:
    """The agency named by ``uscc``; else the one agency the user records for (of several, the one
    whose USCC is ``prefer``). ``several`` is the message when that leaves more than one, ``no_clerk``
    when the user records for none. With one agency the user does not record for, that agency: the
    service then says why the user may not."""
    if uscc:
        agency = agency_get(uscc=uscc)
        if agency is None:
            raise exceptions.ValidationError({"agency": [_("No agency has this code.")]})
        return agency
    agencies = agencies_of(user)
    editable = [a for a in agencies if can_edit_records(user, a)]
    if len(editable) > 1:
        editable = [a for a in editable if prefer and a.uscc == prefer]
        if len(editable) != 1:
            raise exceptions.ValidationError({"agency": [several]})
    if editable:
        return editable[0]
    if len(agencies) == 1:
        return agencies[0]
    raise exceptions.PermissionDenied(no_clerk)
