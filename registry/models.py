from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from . import uscc as uscc_codes
from .choices import (
    AgencyLevel,
    ChangeItem,
    ChangeKind,
    ContributionForm,
    DataSource,
    DivisionLevel,
    EnterpriseStatus,
    EntityType,
    Industry,
    PersonnelRole,
    PublicitySystem,
    ShareholderKind,
    SignInChannel,
    StaffRoleKind,
)


class Division(models.Model):
    """An administrative division of GB/T 2260, including those that no longer exist."""

    code = models.CharField(_("code"), max_length=6, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    full_name = models.CharField(_("full name"), max_length=200)
    level = models.CharField(_("level"), max_length=12, choices=DivisionLevel.choices)
    valid_from = models.PositiveSmallIntegerField(_("in use from (year)"), null=True, blank=True)
    valid_until = models.PositiveSmallIntegerField(_("in use until (year)"), null=True, blank=True)
    history = models.JSONField(
        _("earlier names"),
        default=list,
        blank=True,
        help_text=_("Earlier names of this code, each with the years it was used."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    def __str__(self) -> str:
        return f"{self.code} {self.full_name}"

    @property
    def is_current(self) -> bool:
        return self.valid_until is None


class Enterprise(models.Model):
    """A market entity identified by its unified social credit code."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    entity_type = models.CharField(
        _("entity type"), max_length=32, choices=EntityType.choices, default=EntityType.LIMITED_LIABILITY
    )
    status = models.CharField(
        _("status"), max_length=16, choices=EnterpriseStatus.choices, default=EnterpriseStatus.IN_OPERATION
    )
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    registered_capital = models.DecimalField(
        _("registered capital (10,000 yuan)"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    established_on = models.DateField(_("date of establishment"), null=True, blank=True)
    domicile = models.CharField(_("domicile"), max_length=300, blank=True)
    registration_authority = models.CharField(_("registration authority"), max_length=200, blank=True)
    division_code = models.CharField(_("administrative division"), max_length=6, db_index=True)
    industry = models.CharField(_("industry"), max_length=1, choices=Industry.choices, blank=True)
    registration_number = models.CharField(_("business registration number"), max_length=15, blank=True)
    organization_code = models.CharField(_("organisation code"), max_length=9, blank=True)
    tax_number = models.CharField(_("tax registration number"), max_length=20, blank=True)
    is_legacy_code = models.BooleanField(
        _("legacy code"),
        default=False,
        help_text=_("The code fails the GB 32100-2015 check but is a real, historically issued code."),
    )
    legacy_reason = models.TextField(_("reason for accepting a legacy code"), blank=True)
    source = models.CharField(
        _("data source"), max_length=8, choices=DataSource.choices, default=DataSource.MANUAL
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Derived from ``name`` by ``registry.search.search_fields`` on every write of the name.
    search_name = models.TextField(_("name as searched"), default="", editable=False)
    search_vector = SearchVectorField(_("name bigrams"), null=True, editable=False)
    search_pinyin = SearchVectorField(_("name pinyin pairs"), null=True, editable=False)

    class Meta:
        ordering = ["uscc"]
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        indexes = [
            GinIndex(name="enterprise_name_trgm", fields=["name"], opclasses=["gin_trgm_ops"]),
            models.Index(fields=["status"], name="enterprise_status"),
            GinIndex(name="enterprise_search_bigrams", fields=["search_vector"]),
            GinIndex(name="enterprise_search_pinyin", fields=["search_pinyin"]),
            models.Index(OpClass(F("search_name"), name="text_pattern_ops"), name="enterprise_search_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_legacy_code=False) | ~Q(legacy_reason=""),
                name="enterprise_legacy_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"

    @property
    def authority_name(self) -> str:
        return uscc_codes.authority_name(self.uscc)

    @property
    def category_name(self) -> str:
        return uscc_codes.category_name(self.uscc)

    @property
    def uscc_display(self) -> str:
        return uscc_codes.format_display(self.uscc)


class EnterpriseFormerName(models.Model):
    """A name an enterprise used before, with the dates it was used."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="former_names")
    name = models.CharField(_("former name"), max_length=200)
    used_from = models.DateField(_("used from"), null=True, blank=True)
    used_until = models.DateField(_("used until"), null=True, blank=True)
    # Generated by PostgreSQL (functions of migration 0008), so that every write path keeps them.
    search_name = models.GeneratedField(
        expression=Func(F("name"), function="registry_search_normalize"),
        output_field=models.TextField(),
        db_persist=True,
    )
    search_vector = models.GeneratedField(
        expression=Func(F("name"), function="registry_search_vector"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        ordering = ["-used_until", "name"]
        verbose_name = _("former name")
        verbose_name_plural = _("former names")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="former_name_unique"),
        ]
        indexes = [
            GinIndex(name="former_name_trgm", fields=["name"], opclasses=["gin_trgm_ops"]),
            GinIndex(name="former_name_search_bigrams", fields=["search_vector"]),
        ]

    def __str__(self) -> str:
        return self.name


class SearchSample(models.Model):
    """A random sample of the enterprises' search documents (``registry.search_sample``): a statistic,
    like the planner's, from which a search estimates how many names a query of several characters or
    syllables matches before choosing how to read them. Rebuilt whole, never edited; not a link to
    the enterprise (one deregistered or renamed since only makes the estimate a day old)."""

    enterprise_id = models.BigIntegerField(primary_key=True)
    search_name = models.TextField(default="")
    search_vector = SearchVectorField(null=True)
    search_pinyin = SearchVectorField(null=True)

    class Meta:
        verbose_name = _("search sample")
        verbose_name_plural = _("search sample")
        indexes = [
            # Written whole once a night, read by every search that estimates: entries go into the
            # index at once, not into a pending list every read would scan (fastupdate).
            GinIndex(name="search_sample_bigrams", fields=["search_vector"], fastupdate=False),
            GinIndex(name="search_sample_pinyin", fields=["search_pinyin"], fastupdate=False),
        ]

    def __str__(self) -> str:
        return self.search_name


class Agency(models.Model):
    """A government body that decides or supplies credit records, identified by its own USCC."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    level = models.CharField(_("level"), max_length=12, choices=AgencyLevel.choices)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("division")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent agency"),
    )
    sectors = ArrayField(
        models.CharField(max_length=1, choices=Industry.choices),
        default=list,
        blank=True,
        verbose_name=_("sectors"),
    )
    publicity_system = models.CharField(
        _("publicity system"),
        max_length=24,
        choices=PublicitySystem.choices,
        blank=True,
        default=PublicitySystem.CREDIT_PLATFORM,
        help_text=_(
            "Market regulation: its decisions follow the rules of the enterprise credit publicity system "
            "(SAMR Order 45). Otherwise the national credit platform's rules apply."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class StaffRole(models.Model):
    """A person's role in one agency, or as a registry administrator (no agency)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles", verbose_name=_("user")
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_roles",
        verbose_name=_("agency"),
    )
    role = models.CharField(_("role"), max_length=16, choices=StaffRoleKind.choices)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        ordering = ["user__username", "agency__name", "role"]
        verbose_name = _("staff role")
        verbose_name_plural = _("staff roles")
        constraints = [
            models.CheckConstraint(
                condition=(Q(role=StaffRoleKind.REGISTRY_ADMIN) & Q(agency__isnull=True))
                | (~Q(role=StaffRoleKind.REGISTRY_ADMIN) & Q(agency__isnull=False)),
                name="staff_role_agency_iff_not_registry_admin",
            ),
            models.UniqueConstraint(
                fields=["user", "agency", "role"],
                name="staff_role_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        where = self.agency.name if self.agency_id else _("registry")
        return f"{self.user} · {self.get_role_display()} · {where}"


class AuditEntry(models.Model):
    """One write, as it happened: append-only (a trigger refuses updates and deletes) and hash-chained."""

    created_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=150)
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("target type"), max_length=64)
    target_id = models.CharField(_("target id"), max_length=64)
    target_repr = models.CharField(_("target"), max_length=300)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        # Plain indexes, not db_index/unique on the fields: those add a varchar_pattern_ops index
        # (for LIKE 'prefix%') that no query uses and every write pays for.
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["action"], name="audit_action"),
        ]
        constraints = [models.UniqueConstraint(fields=["hash"], name="audit_hash_unique")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.target_repr}"


class CalendarDay(models.Model):
    """An exception to the Monday–Friday working week: a public holiday or a make-up working day."""

    date = models.DateField(_("date"), primary_key=True)
    is_working_day = models.BooleanField(
        _("working day"), help_text=_("Ticked for a make-up working day on a weekend; clear for a holiday.")
    )
    name = models.CharField(_("name"), max_length=100)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CalendarYear(models.Model):
    """A year whose holiday notice is loaded: its working days are known, not estimated from the law.

    For a year without one, deadlines are counted with the statutory holidays alone and shown as
    provisional (registry/calendar.py).
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    notice = models.CharField(
        _("notice"),
        max_length=500,
        help_text=_("Title and number of the State Council notice (and of any notice amending it)."),
    )
    loaded_at = models.DateTimeField(_("loaded"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("holiday notice")
        verbose_name_plural = _("holiday notices")

    def __str__(self) -> str:
        return f"{self.year} {self.notice}"


class ApiToken(models.Model):
    """A per-agency API credential: shown once, stored as a SHA-256 hash, with expiry."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="api_tokens", verbose_name=_("agency")
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("What system uses this token."))
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    read_only = models.BooleanField(_("read only"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acts as"),
        help_text=_("The service account whose roles the token carries."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    created_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.agency} · {self.name} ({self.prefix}…)"


class EnterpriseClaimCode(models.Model):
    """A one-time code a registry administrator gives an enterprise so a person can act for it."""

    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="claim_codes", verbose_name=_("enterprise")
    )
    code_hash = models.CharField(_("code hash"), max_length=64, unique=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("used by"),
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("enterprise claim code")
        verbose_name_plural = _("enterprise claim codes")

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.issued_at:%Y-%m-%d}"


class EnterpriseAccountStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")


class EnterpriseAccount(models.Model):
    """A person verified as acting for one enterprise: claimed with a one-time code, then confirmed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enterprise_accounts",
        verbose_name=_("user"),
    )
    enterprise = models.ForeignKey(
        Enterprise, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("enterprise")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EnterpriseAccountStatus.choices,
        default=EnterpriseAccountStatus.PENDING,
    )
    claim_code = models.OneToOneField(
        EnterpriseClaimCode, on_delete=models.PROTECT, related_name="account", verbose_name=_("claim code")
    )
    claimed_at = models.DateTimeField(_("claimed"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at"]
        verbose_name = _("enterprise account")
        verbose_name_plural = _("enterprise accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=~Q(status="revoked"),
                name="enterprise_account_one_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.enterprise}"


class SignInAddress(models.Model):
    """An e-mail address or mobile number an enterprise user signs in with (registry/sign_up.py).

    Until its one-time code is entered it is a sign-up waiting for verification: the chosen
    password (hashed) and the code (a keyed hash) wait here, and no user exists yet.
    """

    channel = models.CharField(_("channel"), max_length=5, choices=SignInChannel.choices)
    # Lower-case e-mail, or "+86" and the 11 digits of a mainland mobile number.
    address = models.CharField(_("address"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sign_in_addresses",
        verbose_name=_("user"),
    )
    password = models.CharField(_("password (hashed)"), max_length=128, blank=True)
    code_hash = models.CharField(_("code hash"), max_length=64, blank=True)
    code_sent_at = models.DateTimeField(_("code sent"), null=True, blank=True)
    code_expires_at = models.DateTimeField(_("code expires"), null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(_("wrong codes entered"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("sign-in address")
        verbose_name_plural = _("sign-in addresses")
        indexes = [models.Index(fields=["address"], name="sign_in_address")]
        constraints = [
            models.UniqueConstraint(
                fields=["address"],
                condition=Q(verified_at__isnull=False),
                name="sign_in_address_verified_once",
            ),
        ]

    def __str__(self) -> str:  # no address: this shows in the audit trail
        return f"{self.get_channel_display()} #{self.pk}"


class CurrentTransactionId(Func):
    """The writing transaction's id, ``pg_current_xact_id()`` (64 bits, never wraps) as a bigint."""

    template = "(pg_current_xact_id()::text::bigint)"
    output_field = models.BigIntegerField()


class ChangeEvent(models.Model):
    """One change of public data, written in the transaction that made it (an outbox): the change
    feed, the webhooks and partner platforms read these (``registry.changes``)."""

    id = models.BigAutoField(primary_key=True)
    txid = models.BigIntegerField(_("transaction"), db_default=CurrentTransactionId(), editable=False)
    kind = models.CharField(_("kind"), max_length=32, choices=ChangeKind.choices)
    enterprise_uscc = models.CharField(_("enterprise"), max_length=18)
    subject = models.CharField(
        _("subject"), max_length=64, help_text=_("The public identifier of what changed.")
    )
    agency_code = models.CharField(_("agency"), max_length=18, null=True, blank=True)  # noqa: DJ001 - none: not an agency's act
    source_platform = models.CharField(_("source platform"), max_length=32)
    occurred_at = models.DateTimeField(_("occurred"), db_default=Now())
    recorded_at = models.DateTimeField(_("recorded"), db_default=Now(), editable=False)
    payload = models.JSONField(_("payload"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("change event")
        verbose_name_plural = _("change events")
        indexes = [
            models.Index(fields=["txid", "id"], name="change_event_order"),
            # "Has this thing's event been written?" (a listing that enters on its start date).
            models.Index(fields=["subject", "kind"], name="change_event_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject}"


class ChangeFeedPrune(models.Model):
    """How far the change feed has been pruned: every event up to (txid, id) is gone. A reader
    whose cursor lies before it may have missed events (``registry.changes.changes_after``)."""

    through_txid = models.BigIntegerField()
    through_id = models.BigIntegerField()
    deleted = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("change feed pruning")
        verbose_name_plural = _("change feed prunings")

    def __str__(self) -> str:
        return f"{self.through_txid}.{self.through_id}"


# --- Registration details: shareholders, key personnel, branches, change history ---------------


class Shareholder(models.Model):
    """A shareholder or other contributor of an enterprise, with what it subscribed and paid in."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="shareholders")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=ShareholderKind.choices)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        blank=True,
        help_text=_("For a shareholder that is an enterprise."),
    )
    subscribed_amount = models.DecimalField(
        _("subscribed contribution (10,000 yuan)"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    subscribed_on = models.DateField(_("subscribed by"), null=True, blank=True)
    paid_in_amount = models.DecimalField(
        _("paid-in contribution (10,000 yuan)"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    paid_in_on = models.DateField(_("paid in on"), null=True, blank=True)
    contribution_form = models.CharField(
        _("form of contribution"), max_length=24, choices=ContributionForm.choices, blank=True
    )
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["enterprise", "position", "id"]
        verbose_name = _("shareholder")
        verbose_name_plural = _("shareholders")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name"], name="shareholder_unique_name"),
            models.CheckConstraint(
                condition=Q(subscribed_amount__isnull=True) | Q(subscribed_amount__gte=0),
                name="shareholder_subscribed_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(paid_in_amount__isnull=True) | Q(paid_in_amount__gte=0),
                name="shareholder_paid_in_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(paid_in_amount__isnull=True)
                | Q(subscribed_amount__isnull=True)
                | Q(paid_in_amount__lte=F("subscribed_amount")),
                name="shareholder_paid_in_within_subscribed",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class KeyPerson(models.Model):
    """A director, supervisor or manager of an enterprise as registered (主要人员)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="personnel")
    name = models.CharField(_("name"), max_length=100)
    role = models.CharField(_("role"), max_length=24, choices=PersonnelRole.choices)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["enterprise", "position", "id"]
        verbose_name = _("key person")
        verbose_name_plural = _("key personnel")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "name", "role"], name="key_person_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class Branch(models.Model):
    """A branch (分支机构) of an enterprise, under its own code; linked to the branch's own entry
    when that is registered here."""

    parent = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="branches")
    uscc = models.CharField(_("unified social credit code"), max_length=18)
    name = models.CharField(_("name"), max_length=200)
    registration_authority = models.CharField(_("registration authority"), max_length=200, blank=True)
    branch_enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="parent_links",
        verbose_name=_("branch as registered here"),
    )

    class Meta:
        ordering = ["parent", "uscc"]
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        constraints = [
            models.UniqueConstraint(fields=["parent", "uscc"], name="branch_unique_code"),
        ]
        indexes = [models.Index(fields=["uscc"], name="branch_uscc")]

    def __str__(self) -> str:
        return f"{self.name} ({self.uscc})"


class EnterpriseChange(models.Model):
    """One entry of an enterprise's change history (变更记录): what changed, from what, to what, when.

    ``before`` and ``after`` are JSON: a field's value as stored, or a shareholder, the key
    personnel or a branch as an object, so that every public output words and masks them alike
    (``registry.details.changes``)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="changes")
    item = models.CharField(_("item changed"), max_length=24, choices=ChangeItem.choices)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    changed_on = models.DateField(_("date of change"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["enterprise", "-changed_on", "-id"]
        verbose_name = _("change")
        verbose_name_plural = _("change history")
        indexes = [models.Index(fields=["enterprise", "-changed_on", "-id"], name="enterprise_change_latest")]

    def __str__(self) -> str:
        return f"{self.item} {self.changed_on}"


from registry.annual_reports.models import AnnualReport, AnnualReportReminder  # noqa: E402, F401  (registered with the app)
from registry.profiles.models import PublicProfile, PublicProfileEpoch  # noqa: E402, F401  (registered with the app)
