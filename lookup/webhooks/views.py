"""The desk's webhook pages (/desk/webhooks/): an agency's staff list, create, pause, resume and
delete their agency's webhooks, read the delivery log and redeliver.

They live with the webhooks in ``lookup`` and wear the desk's frame (``sanctions.desk``), which is
below ``lookup`` in the import order; the desk's navigation links here by URL name only. Thin:
every change goes through ``lookup.webhooks.services``, the same functions as the API.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.models import Agency
from sanctions.desk.views import desk_view, paginate, render_desk

from . import forms, selectors, services
from .choices import DeliveryStatus


def _agencies(request):
    if request.desk.is_admin and not request.desk.agencies:
        return Agency.objects.all()
    return Agency.objects.filter(pk__in=[a.pk for a in request.desk.agencies])


def _webhook(request, pk: int):
    webhook = selectors.webhook_get(owner=list(_agencies(request)), pk=pk)
    if webhook is None:
        raise Http404
    return webhook


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@desk_view
def webhook_list(request):
    """The agency's webhooks, and the form to add one (the secret is shown once, on the next page)."""
    agencies = _agencies(request)
    form = forms.WebhookForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        owner = data.pop("agency")
        try:
            webhook, secret = services.webhook_create(actor=request.user, owner=owner, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            response = render_desk(request, "webhooks/created.html", {"webhook": webhook, "secret": secret})
            response["Cache-Control"] = "no-store"
            return response
    webhooks = selectors.webhook_list(owner=list(agencies))
    return render_desk(
        request,
        "webhooks/list.html",
        {"webhooks": webhooks, "form": form},
        status=400 if form.errors else 200,
    )


@desk_view
def webhook_detail(request, pk: int):
    """A webhook's filters and its delivery log, newest first, with redelivery."""
    webhook = _webhook(request, pk)
    wanted = request.GET.get("status") or None
    if wanted not in (None, *DeliveryStatus.values):
        wanted = None
    counts = selectors.delivery_counts(webhook=webhook)
    return render_desk(
        request,
        "webhooks/detail.html",
        {
            "webhook": webhook,
            "page": paginate(request, selectors.delivery_list(webhook=webhook, status=wanted)),
            "statuses": [(value, label, counts[value]) for value, label in DeliveryStatus.choices],
            "wanted": wanted,
        },
    )


@require_POST
@desk_view
def webhook_pause_view(request, pk: int):
    services.webhook_pause(actor=request.user, webhook=_webhook(request, pk))
    messages.success(request, _("The webhook is paused."))
    return redirect("webhooks:detail", pk=pk)


@require_POST
@desk_view
def webhook_resume_view(request, pk: int):
    services.webhook_resume(actor=request.user, webhook=_webhook(request, pk))
    messages.success(request, _("The webhook is active again."))
    return redirect("webhooks:detail", pk=pk)


@require_POST
@desk_view
def webhook_delete_view(request, pk: int):
    """Without JavaScript a confirmation page first; with it, the browser's dialog (confirm.js)."""
    webhook = _webhook(request, pk)
    if request.POST.get("confirmed") != "1":
        return render_desk(request, "webhooks/confirm_delete.html", {"webhook": webhook})
    services.webhook_delete(actor=request.user, webhook=webhook)
    messages.success(request, _("The webhook was deleted."))
    return redirect("webhooks:list")


@require_POST
@desk_view
def webhook_redeliver_view(request, pk: int, delivery_id):
    webhook = _webhook(request, pk)
    delivery = selectors.delivery_get(webhook=webhook, delivery_id=delivery_id)
    if delivery is None:
        raise Http404
    try:
        services.webhook_redeliver(actor=request.user, delivery=delivery)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The event was queued for delivery again."))
    return redirect("webhooks:detail", pk=pk)
