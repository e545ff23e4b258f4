"""The registry's admin: every save goes through the services, so it is audited like any write."""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin as AxesAccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services
from .models import (
    Agency,
    AnnualReport,
    ApiToken,
    AuditEntry,
    CalendarDay,
    CalendarYear,
    Division,
    Enterprise,
    EnterpriseAccount,
    EnterpriseFormerName,
    StaffRole,
)
from .validation import clean_enterprise

ENTERPRISE_FIELDS = [
    "name",
    "status",
    "entity_type",
    "legal_representative",
    "registered_capital",
    "established_on",
    "domicile",
    "registration_authority",
    "industry",
    "registration_number",
    "organization_code",
    "tax_number",
]


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Shown, never changed here: every change goes through a service (desk, API, command)."""

    hidden: frozenset[str] = frozenset()  # fields never shown, e.g. file paths and hashes of secrets

    def get_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.hidden]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class EnterpriseAdminForm(forms.ModelForm):
    uscc = forms.CharField(label=_("unified social credit code"), max_length=40)

    class Meta:
        model = Enterprise
        fields = ["uscc", *ENTERPRISE_FIELDS, "is_legacy_code", "legacy_reason"]

    def clean(self):
        data = super().clean()
        values = {k: data.get(k) for k in ENTERPRISE_FIELDS if k in data}
        if self.instance.pk is None:
            values["uscc"] = data.get("uscc")
        cleaned, errors = clean_enterprise(
            values, partial=self.instance.pk is not None, allow_legacy=bool(data.get("is_legacy_code"))
        )
        for field, messages_ in errors.items():
            if field in self.fields:
                self.add_error(field, messages_)
        if self.instance.pk is None and "uscc" in cleaned:
            data["uscc"] = cleaned["uscc"]
        return data


class FormerNameInline(admin.TabularInline):
    model = EnterpriseFormerName
    extra = 0
    fields = ["name", "used_from", "used_until"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    form = EnterpriseAdminForm
    list_display = ["uscc", "name", "status", "entity_type", "division_code", "is_legacy_code", "updated_at"]
    list_filter = ["status", "entity_type", "industry", "is_legacy_code", "source"]
    search_fields = ["=uscc", "name"]
    show_full_result_count = False
    inlines = [FormerNameInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return ["uscc", "is_legacy_code", "legacy_reason", "division_code", "source"]
        return []

    def get_fields(self, request, obj=None):
        if obj is not None:
            return ["uscc", "division_code", *ENTERPRISE_FIELDS, "is_legacy_code", "legacy_reason", "source"]
        return ["uscc", *ENTERPRISE_FIELDS, "is_legacy_code", "legacy_reason"]

    def has_delete_permission(self, request, obj=None):
        return False  # an enterprise is deregistered, never deleted

    def save_model(self, request, obj, form, change):
        data = {k: form.cleaned_data.get(k) for k in ENTERPRISE_FIELDS}
        if change:
            saved = services.enterprise_update(actor=request.user, enterprise=obj, data=data)
        else:
            data["uscc"] = form.cleaned_data["uscc"]
            saved = services.enterprise_register(
                actor=request.user,
                data=data,
                legacy=form.cleaned_data.get("is_legacy_code", False),
                legacy_reason=form.cleaned_data.get("legacy_reason", ""),
            )
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        pass  # former names are written by the services


class AgencyAdminForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = ["name", "uscc", "level", "division", "parent", "sectors", "publicity_system"]

    def clean(self):
        data = super().clean()
        values = {k: data.get(k) for k in self.Meta.fields if k in data}
        if values.get("division") is not None:
            values["division"] = values["division"].code
        try:
            services.agency_validate(values, instance=self.instance if self.instance.pk else None)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        return data


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    form = AgencyAdminForm
    list_display = ["name", "uscc", "level", "division", "publicity_system"]
    list_filter = ["level", "publicity_system"]
    search_fields = ["name", "=uscc"]
    autocomplete_fields = ["division", "parent"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {
            "name": form.cleaned_data["name"],
            "uscc": form.cleaned_data["uscc"],
            "level": form.cleaned_data["level"],
            "division": form.cleaned_data["division"].code,
            "parent": form.cleaned_data.get("parent"),
            "sectors": form.cleaned_data.get("sectors") or [],
            "publicity_system": form.cleaned_data.get("publicity_system") or "",
        }
        if change:
            saved = services.agency_update(
                actor=request.user, agency=Agency.objects.get(pk=obj.pk), data=data
            )
        else:
            saved = services.agency_create(actor=request.user, data=data)
        obj.pk = saved.pk


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "agency", "granted_by", "granted_at"]
    list_filter = ["role", "agency"]
    search_fields = ["user__username", "agency__name"]
    fields = ["user", "agency", "role"]
    autocomplete_fields = ["user", "agency"]

    def has_change_permission(self, request, obj=None):
        return False  # revoke and grant anew: each is its own audited act

    def save_model(self, request, obj, form, change):
        saved = services.staff_role_grant(actor=request.user, user=obj.user, agency=obj.agency, role=obj.role)
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.staff_role_revoke(actor=request.user, staff_role=obj)

    def delete_queryset(self, request, queryset):
        for role in queryset:
            services.staff_role_revoke(actor=request.user, staff_role=role)

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return super().changelist_view(request)


@admin.register(Division)
class DivisionAdmin(ReadOnlyModelAdmin):
    """From python-stdnum's table (``manage.py load_reference``), not edited by hand."""

    list_display = ["code", "full_name", "level", "valid_from", "valid_until"]
    list_filter = ["level"]
    search_fields = ["code", "name", "full_name"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "created_at", "actor_label", "action", "target_repr", "request_id"]
    list_filter = ["action"]
    search_fields = ["target_id", "target_repr", "actor_label", "request_id"]
    show_full_result_count = False

    def get_queryset(self, request):
        # The list shows neither "before" nor "after" (an import's entry names thousands of records).
        return super().get_queryset(request).defer("before", "after")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Public holidays and make-up working days: every deadline is counted with them."""

    list_display = ["date", "name", "is_working_day", "source"]
    list_filter = ["is_working_day"]
    search_fields = ["name"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        services.calendar_day_set(
            actor=request.user,
            date=obj.date,
            is_working_day=obj.is_working_day,
            name=obj.name,
            source=obj.source,
        )

    def delete_model(self, request, obj):
        services.calendar_day_remove(actor=request.user, day=obj)

    def delete_queryset(self, request, queryset):
        for day in queryset:
            services.calendar_day_remove(actor=request.user, day=day)


@admin.register(CalendarYear)
class CalendarYearAdmin(ReadOnlyModelAdmin):
    """The years whose holiday notice is loaded (``manage.py load_holiday_notice``); others are estimated."""

    list_display = ["year", "notice", "loaded_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued with `manage.py issue_token` or the API (the key is shown once); here: read and revoke."""

    list_display = ["agency", "name", "prefix", "read_only", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["read_only"]
    readonly_fields = [f.name for f in ApiToken._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        from .tokens import token_revoke

        for token in queryset:
            token_revoke(actor=request.user, token=token)


@admin.register(EnterpriseAccount)
class EnterpriseAccountAdmin(admin.ModelAdmin):
    """Claims by people acting for an enterprise: confirm or revoke (codes: `manage.py issue_claim_code`)."""

    list_display = ["user", "enterprise", "status", "claimed_at", "confirmed_by", "confirmed_at"]
    list_filter = ["status"]
    search_fields = ["user__username", "enterprise__name", "=enterprise__uscc"]
    readonly_fields = [f.name for f in EnterpriseAccount._meta.fields]
    actions = ["confirm", "revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Confirm the selected claims"))
    def confirm(self, request, queryset):
        from .accounts import enterprise_account_confirm

        for account in queryset:
            try:
                enterprise_account_confirm(actor=request.user, account=account)
            except ValidationError as exc:
                self.message_user(request, f"{account}: {' '.join(exc.messages)}", messages.ERROR)

    @admin.action(description=_("Revoke the selected accounts"))
    def revoke(self, request, queryset):
        from .accounts import enterprise_account_revoke

        for account in queryset:
            enterprise_account_revoke(actor=request.user, account=account)


# --- Sign-in safety: what django-axes and django-otp register, read-only, and changed only through
# the audited services (registry/lockout.py, registry/two_factor.py) -------------------------------

for _model in (AccessAttempt, TOTPDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(AxesAccessAttemptAdmin):
    """Failed sign-ins per account: seen here; a lock is lifted with the action (audited)."""

    actions = ["unlock"]

    def has_change_permission(self, request, obj=None):
        return request.method in ("GET", "HEAD") and super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock(self, request, queryset):
        from .lockout import account_unlock

        for username in sorted({attempt.username for attempt in queryset if attempt.username}):
            try:
                account_unlock(actor=request.user, username=username)
            except PermissionDenied as exc:
                self.message_user(request, f"{username}: {exc}", messages.ERROR)
                return
            self.message_user(request, _("%(name)s is unlocked.") % {"name": username})


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(ReadOnlyModelAdmin):
    """Staff members' authenticator apps: never their key; a lost phone's app is removed with the
    action (audited), and its holder sets up a new one at the next sign-in."""

    hidden = frozenset({"key"})
    list_display = ["user", "name", "confirmed", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    actions = ["remove"]

    @admin.action(description=_("Remove the selected apps (their holders set up new ones)"))
    def remove(self, request, queryset):
        from .two_factor import two_factor_reset

        for user in {device.user for device in queryset.select_related("user")}:
            try:
                two_factor_reset(actor=request.user, user=user)
            except PermissionDenied as exc:
                self.message_user(request, f"{user}: {exc}", messages.ERROR)
                return
            self.message_user(request, _("%(name)s sets up a new app at the next sign-in.") % {"name": user})


@admin.register(AnnualReport)
class AnnualReportAdmin(ReadOnlyModelAdmin):
    """Filed and corrected by the enterprise (``annual_report_file``); shown here, every version."""

    list_display = ["enterprise", "year", "version", "filed_at", "is_late"]
    list_filter = ["year", "is_late"]
    search_fields = ["enterprise__uscc", "enterprise__name"]
    list_select_related = ["enterprise"]
    show_full_result_count = False
