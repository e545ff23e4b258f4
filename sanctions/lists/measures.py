"""Joint rewards and punishments: memoranda, the catalogue of measures, and which apply to whom.

A measure may be imposed only once it is in the published catalogue (docs/domain.md §6): published,
in force on the day asked (``effective_from`` ≤ day ≤ ``effective_to``), published no later than
that day, applied by the agency asking, and triggered by a listing in force that day. Registry
administrators keep the catalogue; once published, a measure's substance is frozen (end it with
``effective_to`` and publish a new one instead), so what was published is what was applied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audit import audit_write, snapshot
from registry.models import Agency, Enterprise
from registry.permissions import ensure_registry_admin
from registry.reference_cache import reference_changed
from sanctions.choices import ListingStatus, RemovalReason
from sanctions.models import Listing, ListKind, Measure, Memorandum

# What may still change on a published measure: its end, and its wording for readers.
PUBLISHED_EDITABLE = {"effective_to", "description"}


def _end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in the registry's time zone."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


@transaction.atomic
def memorandum_save(*, actor: User, memorandum: Memorandum) -> Memorandum:
    """Add or change a memorandum of understanding on joint rewards or punishments."""
    ensure_registry_admin(actor)
    before = (
        snapshot(Memorandum.objects.get(pk=memorandum.pk))
        if memorandum.pk and Memorandum.objects.filter(pk=memorandum.pk).exists()
        else None
    )
    memorandum.full_clean()
    memorandum.save()
    audit_write(
        actor=actor, action="memorandum.save", target=memorandum, before=before, after=snapshot(memorandum)
    )
    return memorandum


@transaction.atomic
def list_kind_save(*, actor: User, list_kind: ListKind) -> ListKind:
    """Add a list or change its published inclusion and removal conditions, term and basis."""
    ensure_registry_admin(actor)
    existing = ListKind.objects.filter(pk=list_kind.pk).first()
    before = snapshot(existing) if existing else None
    list_kind.full_clean(validate_unique=existing is None)
    list_kind.save()
    audit_write(
        actor=actor, action="list_kind.save", target=list_kind, before=before, after=snapshot(list_kind)
    )
    reference_changed()  # the search filter's list of lists, in every process
    return list_kind


@transaction.atomic
def measure_save(
    *, actor: User, measure: Measure, applying_agencies: Iterable[Agency] | None = None
) -> Measure:
    """Add or change a measure of the catalogue; a published one may only be ended or reworded."""
    ensure_registry_admin(actor)
    previous = Measure.objects.select_for_update().filter(pk=measure.pk).first() if measure.pk else None
    before = snapshot(previous) if previous else None
    if previous is not None and previous.published_at is not None:
        measure.published_at = previous.published_at
        changed = {f for f, v in snapshot(measure).items() if before[f] != v}
        if changed - PUBLISHED_EDITABLE:
            raise ValidationError(
                _(
                    "This measure is published: only its end date and description may change. "
                    "End it and publish a new measure instead."
                )
            )
        if applying_agencies is not None and {a.pk for a in applying_agencies} != set(
            previous.applying_agencies.values_list("pk", flat=True)
        ):
            raise ValidationError(
                {
                    "applying_agencies": [
                        _("This measure is published: the agencies applying it cannot change.")
                    ]
                }
            )
        if "effective_to" in changed and measure.effective_to and measure.effective_to < timezone.localdate():
            raise ValidationError(
                {
                    "effective_to": [
                        _("A published measure cannot be ended in the past: it was applied until today.")
                    ]
                }
            )
    elif measure.published_at is not None:
        raise ValidationError(_("Publish a measure with “publish”, not by setting its date."))
    measure.full_clean()
    if measure.effective_to and measure.effective_to < measure.effective_from:
        raise ValidationError({"effective_to": [_("A measure cannot end before it takes effect.")]})
    measure.save()
    if applying_agencies is not None and (previous is None or previous.published_at is None):
        measure.applying_agencies.set(list(applying_agencies))
    after = {
        **snapshot(measure),
        "applying_agencies": sorted(measure.applying_agencies.values_list("pk", flat=True)),
    }
    audit_write(actor=actor, action="measure.save", target=measure, before=before, after=after)
    return measure


@transaction.atomic
def measure_publish(*, actor: User, measure: Measure) -> Measure:
    """Put a measure in the published catalogue: from its effective date it may be applied."""
    ensure_registry_admin(actor)
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if measure.published_at is not None:
        raise ValidationError(_("This measure is already published."))
    errors: dict[str, list[str]] = {}
    if not measure.legal_basis.strip():
        errors["legal_basis"] = [_("A measure needs its legal basis before it is published.")]
    if not measure.applying_agencies.exists():
        errors["applying_agencies"] = [_("Name the agencies that apply this measure.")]
    if measure.effective_to and measure.effective_to < timezone.localdate():
        errors["effective_to"] = [_("This measure has already ended.")]
    if errors:
        raise ValidationError(errors)
    measure.published_at = timezone.now()
    measure.save(update_fields=["published_at"])
    audit_write(
        actor=actor,
        action="measure.publish",
        target=measure,
        before={"published_at": None},
        after={
            "published_at": measure.published_at,
            "effective_from": measure.effective_from,
            "effective_to": measure.effective_to,
            "applying_agencies": sorted(measure.applying_agencies.values_list("pk", flat=True)),
        },
    )
    return measure


# --- Reads --------------------------------------------------------------------------------------------


def measures_catalogue(*, on: dt.date | None = None) -> QuerySet[Measure]:
    """The published catalogue on a day: published by then, in force that day (both ends inclusive)."""
    on = on or timezone.localdate()
    return (
        Measure.objects.filter(
            published_at__isnull=False, published_at__lt=_end_of(on), effective_from__lte=on
        )
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=on))
        .select_related("memorandum", "list_kind")
        .prefetch_related("applying_agencies")
        .order_by("list_kind", "nature", "name", "id")
    )


def listings_in_force(*, enterprise: Enterprise, on: dt.date | None = None) -> QuerySet[Listing]:
    """The enterprise's listings in force on a day, past days included.

    For today this is ``selectors.active_listings``; for a past day a listing removed since (by repair
    or the end of its term) still counts for the days it was in force. A revoked decision never does.
    """
    on = on or timezone.localdate()
    end = _end_of(on)
    return (
        Listing.objects.filter(
            enterprise=enterprise,
            status__in=[ListingStatus.ACTIVE, ListingStatus.REMOVED],
            published_at__lt=end,
            start_date__lte=on,
        )
        .exclude(removal_reason=RemovalReason.REVOKED)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=on))
        .filter(Q(removed_at__isnull=True) | Q(removed_at__gte=end))
        .select_related("list_kind", "agency")
        .order_by("start_date", "id")
    )


@dataclass
class AppliedMeasure:
    """A measure that applies to an enterprise on a day, with the listing that triggers it."""

    measure: Measure
    listing: Listing


def measures_for(
    *, enterprise: Enterprise, agency: Agency | None = None, on: dt.date | None = None
) -> list[AppliedMeasure]:
    """Which published measures apply to the enterprise that day (those the agency applies, if named), and why."""
    on = on or timezone.localdate()
    listings = list(listings_in_force(enterprise=enterprise, on=on))
    if not listings:
        return []
    catalogue = measures_catalogue(on=on).filter(list_kind__in={x.list_kind_id for x in listings})
    if agency is not None:
        catalogue = catalogue.filter(applying_agencies=agency)
    applied = []
    for measure in catalogue:
        for listing in listings:
            if listing.list_kind_id == measure.list_kind_id:
                applied.append(AppliedMeasure(measure=measure, listing=listing))
    return applied
