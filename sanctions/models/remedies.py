"""Remedies: credit repair, objections, and credit commitments; with their statutory deadlines."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Agency, Enterprise
from sanctions.choices import (
    ApplicationStatus,
    CommitmentKind,
    CommitmentStatus,
    DeadlineKind,
    MaterialKind,
    ObjectionStatus,
)
from sanctions.models.lists import Listing
from sanctions.models.records import CreditRecord


class DeadlineRule(models.Model):
    """A statutory time limit in working days, with its legal basis and effective date."""

    kind = models.CharField(_("deadline"), max_length=32, choices=DeadlineKind.choices)
    working_days = models.PositiveSmallIntegerField(_("working days"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)

    class Meta:
        ordering = ["kind", "-effective_from"]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.working_days}"


class RepairApplication(models.Model):
    """An enterprise's application to end the publicity of a record (or a listing) early."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="repair_applications", verbose_name=_("enterprise")
    )
    record = models.ForeignKey(
        CreditRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_applications",
        verbose_name=_("record"),
    )
    listing = models.ForeignKey(
        Listing,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repair_applications",
        verbose_name=_("listing"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="repair_applications",
        verbose_name=_("deciding agency"),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("applicant")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    statement = models.TextField(_("how the dishonesty was corrected"))
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    decide_by = models.DateField(_("decide by"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reasons"), blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("credit repair application")
        verbose_name_plural = _("credit repair applications")
        constraints = [
            models.CheckConstraint(
                condition=Q(record__isnull=False) ^ Q(listing__isnull=False), name="repair_one_target"
            ),
            models.UniqueConstraint(
                fields=["record"], condition=Q(status="submitted"), name="repair_one_open_per_record"
            ),
            models.UniqueConstraint(
                fields=["listing"], condition=Q(status="submitted"), name="repair_one_open_per_listing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_status_display()}"


def _material_path(instance: RepairMaterial, filename: str) -> str:
    return f"repair/{instance.application.enterprise_id}/{uuid.uuid4().hex}"


class RepairMaterial(models.Model):
    """A file attached to a repair application (PDF or image, checked by content; never public)."""

    application = models.ForeignKey(
        RepairApplication, on_delete=models.CASCADE, related_name="materials", verbose_name=_("application")
    )
    kind = models.CharField(_("kind"), max_length=24, choices=MaterialKind.choices)
    file = models.FileField(_("file"), upload_to=_material_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("checksum"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "uploaded_at"]
        verbose_name = _("repair material")
        verbose_name_plural = _("repair materials")

    def __str__(self) -> str:
        return self.original_name


class Objection(models.Model):
    """Anyone's objection to a published record or listing, with its statutory deadlines."""

    reference = models.CharField(_("reference"), max_length=20, unique=True)
    follow_token_hash = models.CharField(_("follow-up key hash"), max_length=64)
    record = models.ForeignKey(
        CreditRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("record"),
    )
    listing = models.ForeignKey(
        Listing,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("listing"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="objections", verbose_name=_("source agency")
    )
    objector_name = models.CharField(_("your name or organisation"), max_length=200)
    contact = models.CharField(_("phone or e-mail"), max_length=200)
    reason = models.TextField(_("what is wrong"))
    status = models.CharField(
        _("status"), max_length=12, choices=ObjectionStatus.choices, default=ObjectionStatus.RECEIVED
    )
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    mark_by = models.DateField(_("mark as under objection by"))
    forward_by = models.DateField(_("forward by"))
    decide_by = models.DateField(_("decide by"))
    forwarded_at = models.DateTimeField(_("forwarded"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    outcome_reason = models.TextField(_("reasons"), blank=True)
    objector_notified_at = models.DateTimeField(_("objector told"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.CheckConstraint(
                condition=Q(record__isnull=False) ^ Q(listing__isnull=False), name="objection_one_target"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


def _evidence_path(instance: ObjectionEvidence, filename: str) -> str:
    return f"objections/{instance.objection_id}/{uuid.uuid4().hex}"


class ObjectionEvidence(models.Model):
    """A file supporting an objection (PDF or image, checked by content; never public)."""

    objection = models.ForeignKey(Objection, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=_evidence_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("checksum"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class Commitment(models.Model):
    """A written credit commitment by an enterprise; a breach becomes a draft dishonesty record."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("enterprise")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="commitments", verbose_name=_("agency")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CommitmentKind.choices)
    content = models.TextField(_("content"))
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=300,
        blank=True,
        help_text=_("The rule the commitment was given under; a breach record cites it."),
    )
    signed_on = models.DateField(_("signed on"))
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    breach_record = models.OneToOneField(
        CreditRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="breached_commitment",
        verbose_name=_("dishonesty record for the breach"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("credit commitment")
        verbose_name_plural = _("credit commitments")

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_kind_display()}"
