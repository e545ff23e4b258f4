"""Desk pages for listings, subscriptions and notifications (/desk/listings/…, /desk/subscriptions/,
/desk/notifications/).

Thin views: reads through ``selectors``; every write is a service call that checks permission
itself. The pages share the desk's frame (``sanctions.desk.views``), whose ``desk.unread`` counts the
viewer's agencies' unread notifications for the navigation.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanctions.choices import ListingStatus
from sanctions.desk.forms import CommentForm, StatusFilterForm
from sanctions.desk.review import desk_step, review_rights
from sanctions.desk.views import desk_view, paginate, render_desk
from sanctions.lists import notifications, selectors, services
from sanctions.lists.forms import ListingForm, RemoveForm, SubscribeForm
from sanctions.lists.validation import LISTING_FIELDS
from sanctions.models import Listing


# -- listings ---------------------------------------------------------------------------------------------
@desk_view
def listing_list(request: HttpRequest) -> HttpResponse:
    """The listings of the viewer's agencies, newest first; filter by status."""
    qs = selectors.listings_for_staff(user=request.user)
    form = StatusFilterForm(request.GET, choices=ListingStatus.choices)
    if form.chosen:
        qs = qs.filter(status=form.chosen)
    return render_desk(
        request, "lists/listing_list.html", {"page": paginate(request, qs), "filter_form": form}
    )


@desk_view
def listing_review(request: HttpRequest) -> HttpResponse:
    """Submitted listings waiting for this reviewer (never the reviewer's own)."""
    if not request.desk.review_agencies:
        raise PermissionDenied(
            _("Only a reviewer sees the review queue: you are not a reviewer of any agency.")
        )
    return render_desk(
        request,
        "lists/listing_review.html",
        {"page": paginate(request, selectors.listing_review_queue(user=request.user))},
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
    return render_desk(
        request,
        "lists/listing_form.html",
        {"form": form, "listing": None},
        status=400 if form.errors else 200,
    )


@desk_view
def listing_edit(request: HttpRequest, pk: int) -> HttpResponse:
    listing = selectors.listing_get_for_staff(user=request.user, pk=pk)
    if listing.status != ListingStatus.DRAFT or not request.desk.can_edit(listing.agency_id):
        raise PermissionDenied(_("Only a clerk of the listing's agency may edit it, and only as a draft."))
    initial = {f: getattr(listing, f) for f in LISTING_FIELDS}
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
    return render_desk(
        request,
        "lists/listing_form.html",
        {"form": form, "listing": listing},
        status=400 if form.errors else 200,
    )


def _listing_detail(
    request: HttpRequest, listing: Listing, *, comment_form=None, remove_form=None, status: int = 200
) -> HttpResponse:
    rights = review_rights(request, listing, statuses=ListingStatus)
    actions = {**rights.actions, "remove": listing.status == ListingStatus.ACTIVE and rights.of_agency}
    return render_desk(
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
    return _listing_detail(request, selectors.listing_get_for_staff(user=request.user, pk=pk))


def _step(request: HttpRequest, pk: int, run, done: str) -> HttpResponse:
    listing = selectors.listing_get_for_staff(user=request.user, pk=pk)
    return desk_step(request, listing, run, done, page="lists:listing")


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
    listing = selectors.listing_get_for_staff(user=request.user, pk=pk)
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
    listing = selectors.listing_get_for_staff(user=request.user, pk=pk)
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


# -- subscriptions and notifications ---------------------------------------------------------------------
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
            notifications.subscription_create(
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
    return render_desk(
        request,
        "lists/subscriptions.html",
        {"form": form, "subscriptions": selectors.subscriptions_of(agencies=agencies)},
        status=400 if form.errors else 200,
    )


@require_POST
@desk_view
def subscription_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = selectors.subscription_get(agencies=request.desk.agencies, pk=pk)
    notifications.subscription_delete(actor=request.user, subscription=subscription)
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
            notifications.notifications_mark_read(actor=request.user, agency=agency)
        messages.success(request, _("All notifications marked as read."))
        return redirect("lists:notifications")
    return render_desk(
        request,
        "lists/notifications.html",
        {"page": paginate(request, selectors.notifications_of(agencies=agencies))},
    )
