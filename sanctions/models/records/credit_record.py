"""A credit record, one row per version, and its history (``RecordEvent``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.models import Agency, Enterprise
from sanctions.choices import (
    IdType,
    LicenceCategory,
    LicenceStatus,
    PartyCategory,
    RecordKind,
    RecordStatus,
    RegulatoryField,
    Severity,
    UsageScope,
)
from sanctions.models.bases import PartnerCopy
from sanctions.models.records.catalogue import PublicityRule


class CreditRecord(PartnerCopy, models.Model):
    """One version of a credit record in the "double publicity" format (docs/domain.md §3).

    A correction is a new version with the same ``record_key``; the old one stays in the history.
    """

    # Indexed by the unique (record_key, version) constraint; agency and enterprise by the
    # (agency, status) and (enterprise, status) indexes: no index of their own, one less per write.
    record_key = models.UUIDField(_("record key"), default=uuid.uuid4, editable=False)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_version",
        verbose_name=_("corrects"),
    )
    is_current = models.BooleanField(_("current version"), default=True)
    # Set by the services alone, from the clerk's or the partner's agency: the database does not check
    # it again for each row (see publicity_rule; registry/references.py checks it every night).
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="records",
        verbose_name=_("agency"),
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(_("record kind"), max_length=16, choices=RecordKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=RecordStatus.choices, default=RecordStatus.DRAFT
    )

    # The party (行政相对人)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        related_name="credit_records",
        verbose_name=_("enterprise"),
        db_index=False,
    )
    party_name = models.CharField(_("party name"), max_length=200)  # CF_XDR_MC
    party_category = models.CharField(
        _("party category"), max_length=24, choices=PartyCategory.choices, default=PartyCategory.LEGAL_PERSON
    )
    party_uscc = models.CharField(_("party USCC"), max_length=18, blank=True)  # CF_XDR_SHXYM
    party_registration_number = models.CharField(_("business registration number"), max_length=15, blank=True)
    party_organization_code = models.CharField(_("organisation code"), max_length=9, blank=True)
    party_tax_number = models.CharField(_("tax registration number"), max_length=20, blank=True)
    party_institution_number = models.CharField(
        _("public institution certificate number"), max_length=30, blank=True
    )
    party_social_org_number = models.CharField(
        _("social organisation registration number"), max_length=30, blank=True
    )
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)  # CF_FRDB
    legal_rep_id_type = models.CharField(_("ID type"), max_length=20, choices=IdType.choices, blank=True)
    legal_rep_id_number = models.CharField(_("ID number"), max_length=40, blank=True)

    # The decision
    document_name = models.CharField(_("decision document name"), max_length=200, blank=True)  # XK_XKWS
    document_number = models.CharField(_("decision document number"), max_length=100)  # CF_WSH / XK_WSH
    violation_type = models.CharField(_("violation type"), max_length=300, blank=True)  # CF_WFXW
    violation_facts = models.TextField(_("facts of the violation"), blank=True)  # CF_SY
    legal_basis = models.TextField(_("legal basis"), blank=True)  # CF_YJ
    penalty_categories = ArrayField(
        models.CharField(max_length=32), default=list, blank=True, verbose_name=_("penalty categories")
    )  # CF_CFLB
    content = models.TextField(_("content"), blank=True)  # CF_NR / XK_NR
    fine_amount = models.DecimalField(
        _("fine (10,000 yuan)"), max_digits=14, decimal_places=6, null=True, blank=True
    )  # CF_NR_FK
    confiscated_amount = models.DecimalField(
        _("confiscated (10,000 yuan)"), max_digits=14, decimal_places=6, null=True, blank=True
    )  # CF_NR_WFFF
    suspended_licence = models.CharField(
        _("suspended or revoked licence"), max_length=300, blank=True
    )  # CF_NR_ZKDX
    fine_confirmed = models.BooleanField(
        _("fine amount confirmed"),
        default=False,
        help_text=_("The clerk confirmed a fine that looked as if it was keyed in yuan."),
    )
    licence_category = models.CharField(
        _("licence category"), max_length=2, choices=LicenceCategory.choices, blank=True
    )  # XK_XKLB
    certificate_name = models.CharField(_("certificate name"), max_length=200, blank=True)  # XK_XKZS
    certificate_number = models.CharField(_("certificate number"), max_length=100, blank=True)  # XK_XKBH
    licence_status = models.CharField(
        _("licence status"), max_length=20, choices=LicenceStatus.choices, blank=True
    )
    decision_date = models.DateField(_("decision date"))  # CF_JDRQ / XK_JDRQ
    valid_from = models.DateField(_("valid from"), null=True, blank=True)  # XK_YXQZ
    valid_to = models.DateField(_("valid to"), null=True, blank=True)  # CF_YXQ / XK_YXQZI
    declared_publicity_end = models.DateField(
        _("publicity end date given by the agency"), null=True, blank=True
    )  # CF_GSJZQ
    authority_name = models.CharField(_("deciding authority"), max_length=200)  # CF_CFJG
    authority_uscc = models.CharField(_("deciding authority's USCC"), max_length=18)  # CF_CFJGDM
    source_unit_name = models.CharField(_("data source unit"), max_length=200)  # CF_SJLY
    source_unit_uscc = models.CharField(_("data source unit's USCC"), max_length=18)  # CF_SJLYDM
    usage_scope = models.CharField(
        _("usage scope"), max_length=12, choices=UsageScope.choices, default=UsageScope.PUBLIC
    )
    severity = models.CharField(
        _("severity"), max_length=20, choices=Severity.choices, default=Severity.GENERAL
    )
    regulatory_field = models.CharField(
        _("regulatory field"), max_length=20, choices=RegulatoryField.choices, blank=True
    )
    is_exempt = models.BooleanField(_("exempt (force majeure)"), default=False)
    exemption_reason = models.TextField(_("reason for exemption"), blank=True)
    remarks = models.TextField(_("remarks"), blank=True)

    # Publicity, computed from the rule in force on the decision date
    # The author, the rule and the import are set by the services alone, never from what a user
    # keys in, and Django keeps their on_delete: the database does not check them again for each
    # row (a bulk import writes 10,000 a second; the enterprise, named by the file, stays checked by
    # it). registry/references.py looks for a dangling value every night.
    publicity_rule = models.ForeignKey(
        PublicityRule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publicity rule"),
        db_constraint=False,
    )
    # Read only among published records (expiry, the public view), by ``record_publicity_due``.
    publicity_end = models.DateField(_("publicity ends"), null=True, blank=True)
    earliest_repair_date = models.DateField(_("earliest repair date"), null=True, blank=True)
    early_repair_allowed = models.BooleanField(_("early repair allowed"), default=True)
    publish_deadline = models.DateField(_("publish by"), null=True, blank=True)
    never_published = models.BooleanField(
        _("never published"),
        default=False,
        help_text=_("A warning-only penalty: recorded, never made public."),
    )

    # Workflow
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
        db_constraint=False,  # see publicity_rule
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
        db_index=False,  # indexed where set only (record_published_by): a new record has none
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    change_reason = models.TextField(_("reason for the correction"), blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revocation"), blank=True)
    repaired_at = models.DateTimeField(
        _("publicity ended by credit repair"),
        null=True,
        blank=True,
        help_text=_(
            "Set when a repair application is approved: the record leaves public view, its history stays."
        ),
    )
    idempotency_key = models.CharField(  # noqa: DJ001 - NULL (no key) is outside the unique constraint
        _("idempotency key"), max_length=100, null=True, blank=True
    )
    # Provenance (``PartnerCopy``), with the help texts of the record's, and what only a record keeps.
    source_platform = models.CharField(
        _("source platform"),
        max_length=32,
        blank=True,
        default="",
        help_text=_("Empty: this platform's own."),
    )
    source_agency_code = models.CharField(_("agency at the source"), max_length=18, blank=True, default="")
    source_agency_name = models.CharField(
        _("agency name at the source"), max_length=200, blank=True, default=""
    )
    original_id = models.CharField(
        _("id at the source"), max_length=64, blank=True, default="", help_text=_("Its public id there.")
    )
    source_version = models.PositiveIntegerField(_("version at the source"), null=True, blank=True)
    import_batch = models.ForeignKey(
        "ImportBatch",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="records",
        verbose_name=_("import"),
        db_constraint=False,  # see publicity_rule
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-decision_date", "-id"]
        verbose_name = _("credit record")
        verbose_name_plural = _("credit records")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "document_number"],
                condition=Q(is_current=True),
                name="record_unique_document_per_agency",
            ),
            models.UniqueConstraint(
                fields=["agency", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="record_unique_idempotency_key",
            ),
            models.UniqueConstraint(fields=["record_key", "version"], name="record_unique_version"),
            models.UniqueConstraint(
                fields=["source_platform", "original_id"],
                condition=~Q(source_platform=""),
                name="record_unique_partner_copy",
            ),
            models.CheckConstraint(
                condition=Q(is_exempt=False) | ~Q(exemption_reason=""), name="record_exemption_needs_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "status"], name="record_enterprise_status"),
            models.Index(fields=["agency", "status"], name="record_agency_status"),
            models.Index(
                fields=["published_by"], condition=Q(published_by__isnull=False), name="record_published_by"
            ),
            # The daily expiry job's "published, publicity ended": only the published rows, so that
            # finding the due ones does not read the ever-growing expired ones. Every read of
            # publicity_end is of published records: the column has no index of its own.
            models.Index(
                fields=["publicity_end", "id"], condition=Q(status="published"), name="record_publicity_due"
            ),
            # A partner platform's copies (``PartnerCopy.received_from``), for the check that keeps a
            # platform with copies from being deleted: the rows of this platform have none.
            models.Index(
                fields=["received_from"],
                condition=Q(received_from__isnull=False),
                name="record_received_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} · {self.party_name}"


class RecordEvent(models.Model):
    """One step in a record's history, as the desk shows it: who, when, what, and why."""

    # Written by the service that writes the record, in its transaction: not checked again by the
    # database for each event (see CreditRecord.publicity_rule; registry/references.py checks it).
    record = models.ForeignKey(
        CreditRecord, on_delete=models.CASCADE, related_name="events", db_constraint=False
    )
    record_key = models.UUIDField(db_index=True)
    action = models.CharField(_("action"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        db_constraint=False,  # set by the services alone, as CreditRecord.created_by
    )
    actor_label = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("when"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("record event")
        verbose_name_plural = _("record history")

    def __str__(self) -> str:
        return f"{self.action} · {self.actor_label} · {self.at:%Y-%m-%d %H:%M}"
