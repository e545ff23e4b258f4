"""Desk pages for listings, subscriptions and notifications; public pages of the credit system.

Thin views: reads through the selectors of ``lists``, ``measures`` and ``ratings``; every write is a
service call that checks permission itself. The desk pages reuse the clerk desk's frame
(``sanctions.views.desk_view``); the public pages (lists, measures, ratings) need no account.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from registry import uscc as uscc_codes
from registry.models import Agency, Enterprise
from sanctions.choices import ListingStatus, RecordStatus, RemovalReason
from sanctions.desk.forms import CommentForm, DeskForm, EnterpriseCodeField, agency_field
from sanctions.desk.views import desk_view, render_desk
from sanctions.lists import services
from sanctions.lists.measures import measures_catalogue
from sanctions.lists.ratings import default_rating_model, rating_current, rating_history
from sanctions.models import CreditRecord, Listing, ListKind, ListSubscription

PAGE_SIZE = 25


def _paginate(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _messages_of(exc: ValidationError) -> list[str]:
    return exc.messages


# -- forms ---------------------------------------------------------------------------------------------
class ListingForm(DeskForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=gettext_lazy("Agency"))
    enterprise = EnterpriseCodeField()
    list_kind = forms.ModelChoiceField(
        queryset=ListKind.objects.filter(active=True), label=gettext_lazy("List")
    )
    grounds = forms.CharField(label=gettext_lazy("Grounds"), widget=forms.Textarea(attrs={"rows": 4}))
    records = forms.CharField(
        label=gettext_lazy("Records it rests on"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Decision document numbers of the enterprise's published records, one per line."
        ),
    )
    legal_basis = forms.CharField(label=gettext_lazy("Legal basis"), max_length=300)
    document_number = forms.CharField(label=gettext_lazy("Decision document number"), max_length=100)
    start_date = forms.DateField(
        label=gettext_lazy("Listed from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=gettext_lazy("Listed until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Empty: the list's default term. The listing ends by itself on this date."),
    )
    inclusion_conditions = forms.CharField(
        label=gettext_lazy("Inclusion conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Empty: the list's published inclusion conditions."),
    )
    removal_conditions = forms.CharField(
        label=gettext_lazy("Removal conditions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Empty: the list's published removal conditions."),
    )

    def __init__(self, *args, agencies: list[Agency], editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"] = agency_field(agencies)
        if editing:
            for name in ("agency", "enterprise", "list_kind"):
                del self.fields[name]

    def cited_records(self, enterprise: Enterprise) -> list[CreditRecord]:
        numbers = [
            line.strip() for line in (self.cleaned_data.get("records") or "").splitlines() if line.strip()
        ]
        found = []
        for number in numbers:
            record = CreditRecord.objects.filter(
                enterprise=enterprise,
                document_number=" ".join(number.split()),
                is_current=True,
                status__in=[RecordStatus.PUBLISHED, RecordStatus.EXPIRED],
            ).first()
            if record is None:
                raise ValidationError(
                    {
                        "records": [
                            _("No published record %(number)s about this enterprise.") % {"number": number}
                        ]
                    }
                )
            found.append(record)
        return found

    def data_for_service(self) -> dict[str, Any]:
        return {k: self.cleaned_data.get(k) for k in services.LISTING_FIELDS}


class RemoveForm(DeskForm):
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[
            (RemovalReason.REVOKED, RemovalReason.REVOKED.label),
            (RemovalReason.REPAIRED, RemovalReason.REPAIRED.label),
        ],
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SubscribeForm(DeskForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.none(), label=gettext_lazy("Agency"))
    enterprise = EnterpriseCodeField()
    list_kind = forms.ModelChoiceField(
        queryset=ListKind.objects.filter(active=True),
        required=False,
        label=gettext_lazy("List"),
        empty_label=gettext_lazy("Any list"),
    )

    def __init__(self, *args, agencies: list[Agency], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"] = agency_field(agencies)


# -- desk: listings ------------------------------------------------------------------------------------
def _lists_nav(request: HttpRequest) -> dict[str, Any]:
    desk = request.desk
    return {"unread": services.unread_count(agencies=desk.agencies) if desk.agencies else 0}


def _desk_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    return render_desk(request, template, {**_lists_nav(request), **context}, status=status)


@desk_view
def listing_list(request: HttpRequest) -> HttpResponse:
    """The listings of the viewer's agencies, newest first; filter by status."""
    qs = services.listings_for_staff(user=request.user)
    status = request.GET.get("status", "")
    if status in ListingStatus.values:
        qs = qs.filter(status=status)
    return _desk_page(
        request,
        "lists/listing_list.html",
        {"page": _paginate(request, qs), "status": status, "statuses": ListingStatus.choices},
    )


@desk_view
def listing_review(request: HttpRequest) -> HttpResponse:
    """Submitted listings waiting for this reviewer (never the reviewer's own)."""
    if not request.desk.review_agencies:
        raise PermissionDenied(
            _("Only a reviewer sees the review queue: you are not a reviewer of any agency.")
        )
    return _desk_page(
        request,
        "lists/listing_review.html",
        {"page": _paginate(request, services.listing_review_queue(user=request.user))},
    )


@desk_view
def listing_new(request: HttpRequest) -> HttpResponse:
    """Draft a listing decision (or save and submit it for review)."""
    if not request.desk.edit_agencies:
        raise PermissionDenied(_("Only a clerk may draft a listing."))
    form = ListingForm(
        request.POST or None,
        agencies=request.desk.edit_agencies,
        initial={"start_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            listing = services.listing_create(
                actor=request.user,
                agency=data["agency"],
                enterprise=data["enterprise"],
                list_kind=data["list_kind"],
                data=form.data_for_service(),
                records=form.cited_records(data["enterprise"]),
                submit=request.POST.get("action") == "submit",
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Listing saved.")
                if listing.status == ListingStatus.DRAFT
                else _("Listing submitted for review."),
            )
            return redirect("lists:listing", listing.pk)
    return _desk_page(
        request,
        "lists/listing_form.html",
        {"form": form, "listing": None},
        status=400 if form.errors else 200,
    )


@desk_view
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = services.listing_get_for_staff(user=request.user, pk=pk)
    if listing.status != ListingStatus.DRAFT or not request.desk.can_edit(listing.agency_id):
        raise PermissionDenied(_("Only a clerk of the listing's agency may edit it, and only as a draft."))
    initial = {f: getattr(listing, f) for f in services.LISTING_FIELDS}
    initial["records"] = "\n".join(listing.records.values_list("document_number", flat=True))
    form = ListingForm(
        request.POST or None, agencies=request.desk.edit_agencies, editing=True, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.listing_update(
                actor=request.user,
                listing=listing,
                data=form.data_for_service(),
                records=form.cited_records(listing.enterprise),
            )
            if request.POST.get("action") == "submit":
                services.listing_submit(actor=request.user, listing=listing)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Listing saved."))
            return redirect("lists:listing", listing.pk)
    return _desk_page(
        request,
        "lists/listing_form.html",
        {"form": form, "listing": listing},
        status=400 if form.errors else 200,
    )


def _listing_detail(
    request: HttpRequest, listing: Listing, *, comment_form=None, remove_form=None, status: int = 200
) -> HttpResponse:
    desk = request.desk
    can_edit, can_review = desk.can_edit(listing.agency_id), desk.can_review(listing.agency_id)
    is_author = listing.created_by_id == request.user.pk
    actions = {
        "edit": listing.status == ListingStatus.DRAFT and can_edit,
        "review": listing.status == ListingStatus.SUBMITTED and can_review and not is_author,
        "author_is_reviewer": listing.status == ListingStatus.SUBMITTED and can_review and is_author,
        "remove": listing.status == ListingStatus.ACTIVE and (can_edit or can_review),
    }
    return _desk_page(
        request,
        "lists/listing_detail.html",
        {
            "listing": listing,
            "records": listing.records.select_related("agency"),
            "actions": actions,
            "early_removal": services.can_remove_early(listing),
            "comment_form": comment_form or CommentForm(),
            "remove_form": remove_form or RemoveForm(),
        },
        status=status,
    )


@desk_view
def listing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _listing_detail(request, services.listing_get_for_staff(user=request.user, pk=pk))


def _step(request: HttpRequest, pk: int, run, done: str) -> HttpResponse:
    listing = services.listing_get_for_staff(user=request.user, pk=pk)
    try:
        run(listing)
    except ValidationError as exc:
        for message in _messages_of(exc):
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("lists:listing", listing.pk)


@require_POST
@desk_view
def listing_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        lambda x: services.listing_submit(actor=request.user, listing=x),
        _("Listing submitted for review."),
    )


@require_POST
@desk_view
def listing_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        lambda x: services.listing_publish(actor=request.user, listing=x),
        _("Listing published."),
    )


@require_POST
@desk_view
def listing_send_back_view(request: HttpRequest, pk: int) -> HttpResponse:
    listing = services.listing_get_for_staff(user=request.user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.listing_send_back(
                actor=request.user, listing=listing, comment=form.cleaned_data["comment"]
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Listing sent back to the clerk."))
            return redirect("lists:listing", listing.pk)
    return _listing_detail(request, listing, comment_form=form, status=400)


@require_POST
@desk_view
def listing_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    listing = services.listing_get_for_staff(user=request.user, pk=pk)
    form = RemoveForm(request.POST)
    if form.is_valid():
        try:
            services.listing_remove(
                actor=request.user,
                listing=listing,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("The enterprise was removed from the list."))
            return redirect("lists:listing", listing.pk)
    return _listing_detail(request, listing, remove_form=form, status=400)


# -- desk: subscriptions and notifications -------------------------------------------------------------
@desk_view
def subscription_list(request: HttpRequest) -> HttpResponse:
    """The enterprises the viewer's agencies follow; follow another."""
    agencies = request.desk.agencies
    if not agencies:
        raise PermissionDenied(_("Only the staff of an agency follow enterprises."))
    form = SubscribeForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.subscription_create(
                actor=request.user,
                agency=data["agency"],
                enterprise=data["enterprise"],
                list_kind=data["list_kind"],
            )
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("You will be told when %(name)s enters or leaves a list.")
                % {"name": data["enterprise"].name},
            )
            return redirect("lists:subscriptions")
    return _desk_page(
        request,
        "lists/subscriptions.html",
        {"form": form, "subscriptions": services.subscriptions_of(agencies=agencies)},
        status=400 if form.errors else 200,
    )


@require_POST
@desk_view
def subscription_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = (
        ListSubscription.objects.filter(pk=pk, agency__in=request.desk.agencies)
        .select_related("agency", "enterprise")
        .first()
    )
    if subscription is None:
        raise Http404
    services.subscription_delete(actor=request.user, subscription=subscription)
    messages.success(request, _("You no longer follow %(name)s.") % {"name": subscription.enterprise.name})
    return redirect("lists:subscriptions")


@desk_view
def notification_list(request: HttpRequest) -> HttpResponse:
    """Enterprises the viewer's agencies follow that entered or left a list; mark them read."""
    agencies = request.desk.agencies
    if not agencies:
        raise PermissionDenied(_("Only the staff of an agency receive notifications."))
    if request.method == "POST":
        for agency in agencies:
            services.notifications_mark_read(actor=request.user, agency=agency)
        messages.success(request, _("All notifications marked as read."))
        return redirect("lists:notifications")
    return _desk_page(
        request,
        "lists/notifications.html",
        {"page": _paginate(request, services.notifications_of(agencies=agencies))},
    )


# -- public: lists, measures, ratings -----------------------------------------------------------------
def credit_lists(request: HttpRequest) -> HttpResponse:
    """Every list with its published inclusion and removal conditions and how many are on it today."""
    return render(request, "lists/public_lists.html", {"kinds": services.list_kinds_public()})


def credit_list(request: HttpRequest, code: str) -> HttpResponse:
    """One list: its conditions and the enterprises on it today (public information)."""
    kind = get_object_or_404(ListKind, pk=code, active=True)
    return render(
        request,
        "lists/public_list.html",
        {"kind": kind, "page": _paginate(request, services.listings_on(list_kind=kind))},
    )


def credit_measures(request: HttpRequest) -> HttpResponse:
    """The published catalogue of joint rewards and punishments in force today."""
    catalogue = measures_catalogue()
    groups: dict[Any, list] = {}
    for measure in catalogue:
        groups.setdefault(measure.list_kind, []).append(measure)
    return render(request, "lists/public_measures.html", {"groups": list(groups.items())})


def credit_rating(request: HttpRequest, uscc: str) -> HttpResponse:
    """An enterprise's grade under the default model, every rule that fired, and its history."""
    enterprise = get_object_or_404(Enterprise, uscc=uscc_codes.compact(uscc))
    model = default_rating_model()
    current = rating_current(enterprise=enterprise, model=model) if model else None
    history = list(rating_history(enterprise=enterprise, model=model)[:20]) if model else []
    return render(
        request,
        "lists/public_rating.html",
        {"enterprise": enterprise, "model": model, "rating": current, "history": history},
    )
