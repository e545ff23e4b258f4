from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Agency, Enterprise
from sanctions.choices import ListingStatus, ListNature, MeasureNature, NotificationEvent, RemovalReason
from sanctions.models.bases import PartnerCopy, Reviewed
from sanctions.models.records import CreditRecord


class ListKind(models.Model):
    """A kind of list (red list, seriously dishonest entities, watch list, abnormal operations; extensible)."""

    code = models.CharField(_("code"), max_length=32, primary_key=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=150)
    nature = models.CharField(_("nature"), max_length=12, choices=ListNature.choices)
    inclusion_conditions = models.TextField(_("published inclusion conditions"))
    removal_conditions = models.TextField(_("published removal conditions"))
    default_term_months = models.PositiveSmallIntegerField(_("default term (months)"), null=True, blank=True)
    early_removal_after_months = models.PositiveSmallIntegerField(
        _("early removal possible after (months)"),
        null=True,
        blank=True,
        help_text=_("Empty: no early removal by repair."),
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    blocks_record_repair = models.BooleanField(
        _("blocks credit repair of records"),
        default=False,
        help_text=_("While an enterprise is on this list, none of its records can end publicity early."),
    )
    rule_listings_reviewed = models.BooleanField(
        _("listings made by a rule wait for a reviewer"),
        default=True,
        help_text=_(
            "A listing that a scheduled rule makes (e.g. a missing annual report) goes to the competent "
            "agency's reviewers (four eyes); unticked, it is in force at once."
        ),
    )
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("list kind")
        verbose_name_plural = _("list kinds")

    def __str__(self) -> str:
        return self.name


class Listing(PartnerCopy, Reviewed, models.Model):
    """An agency's decision to put an enterprise on a list, reviewed like a record (four eyes)."""

    list_kind = models.ForeignKey(
        ListKind, on_delete=models.PROTECT, related_name="listings", verbose_name=_("list")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="listings", verbose_name=_("enterprise")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="listings", verbose_name=_("agency")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ListingStatus.choices, default=ListingStatus.DRAFT
    )
    grounds = models.TextField(_("grounds"))
    records = models.ManyToManyField(
        CreditRecord, blank=True, related_name="listings", verbose_name=_("records it rests on")
    )
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    document_number = models.CharField(_("decision document number"), max_length=100)
    start_date = models.DateField(_("listed from"))
    end_date = models.DateField(
        _("listed until"),
        null=True,
        blank=True,
        help_text=_("Empty: until removed. The listing ends by itself on this date."),
    )
    inclusion_conditions = models.TextField(_("inclusion conditions"))
    removal_conditions = models.TextField(_("removal conditions"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removal_reason = models.CharField(
        _("removal reason"), max_length=12, choices=RemovalReason.choices, blank=True
    )
    removal_note = models.TextField(_("removal note"), blank=True)
    # Published, reviewed (``Reviewed``), and the provenance of a partner's copy (``PartnerCopy``).
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            models.UniqueConstraint(fields=["agency", "document_number"], name="listing_unique_document"),
            models.UniqueConstraint(
                fields=["source_platform", "original_id"],
                condition=~Q(source_platform=""),
                name="listing_unique_partner_copy",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="listing_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "status"], name="listing_enterprise_status"),
            # The daily expiry job's "in force, term ended", without reading the removed ones.
            models.Index(fields=["end_date", "id"], condition=Q(status="active"), name="listing_term_due"),
            # As CreditRecord's ``record_received_from``.
            models.Index(
                fields=["received_from"],
                condition=Q(received_from__isnull=False),
                name="listing_received_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.list_kind}"


class Memorandum(models.Model):
    """A memorandum of understanding on joint rewards or punishments, signed by several departments."""

    name = models.CharField(_("name"), max_length=300)
    document_number = models.CharField(_("document number"), max_length=100, unique=True)
    signed_on = models.DateField(_("signed on"))
    signatories = models.TextField(_("signatory departments"))

    class Meta:
        ordering = ["-signed_on"]
        verbose_name = _("memorandum")
        verbose_name_plural = _("memoranda")

    def __str__(self) -> str:
        return self.name


class Measure(models.Model):
    """A reward or punishment that follows from a list, applied by named agencies, from a date.

    A measure is applied only once it is published (docs/domain.md §6): unpublished ones are never returned.
    """

    memorandum = models.ForeignKey(
        Memorandum, on_delete=models.PROTECT, related_name="measures", verbose_name=_("memorandum")
    )
    list_kind = models.ForeignKey(
        ListKind, on_delete=models.PROTECT, related_name="measures", verbose_name=_("triggering list")
    )
    nature = models.CharField(_("nature"), max_length=12, choices=MeasureNature.choices)
    name = models.CharField(_("measure"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    applying_agencies = models.ManyToManyField(Agency, related_name="measures", verbose_name=_("applied by"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        ordering = ["list_kind", "name"]
        verbose_name = _("joint measure")
        verbose_name_plural = _("joint measures")

    def __str__(self) -> str:
        return self.name


class ListSubscription(models.Model):
    """An agency asks to be told when an enterprise enters or leaves a list."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="list_subscriptions", verbose_name=_("agency")
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.CASCADE, related_name="+", verbose_name=_("enterprise")
    )
    list_kind = models.ForeignKey(
        ListKind,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("list"),
        help_text=_("Empty: any list."),
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("list subscription")
        verbose_name_plural = _("list subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "enterprise", "list_kind"],
                nulls_distinct=False,
                name="list_subscription_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} → {self.enterprise}"


class Notification(models.Model):
    """An in-app notice to an agency: an enterprise it follows entered or left a list."""

    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("agency")
    )
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="+", verbose_name=_("listing")
    )
    event = models.CharField(_("event"), max_length=8, choices=NotificationEvent.choices)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["agency", "listing", "event"], name="notification_once")
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.get_event_display()} · {self.listing}"
