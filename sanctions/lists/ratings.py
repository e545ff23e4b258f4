"""Credit ratings: a model configured as data, evaluated on public information only (docs/domain.md §7).

An enterprise starts at the model's base points; every rule adds its points once per matching item
(at most ``max_count`` items, the most recent first); the total picks the grade from the scale (best
first, the first whose minimum is reached); a ceiling rule ("floor" kind) caps the grade while the
enterprise is on its list. Exempted records (force majeure) count for nothing. The explanation keeps
every rule that fired with its points and the records or listings that fired it, so that
``base_points + sum(rule points) == points`` always holds and the grade can be checked by hand.

A rating is stored only when its outcome changes (a new ``EnterpriseRating`` row, the old one stays
as history); the ``fingerprint`` of the outcome makes recomputation idempotent. Every enterprise at
once: ``ratings_bulk``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.audit import audit_write, snapshot
from registry.cache import enterprise_changed
from registry.models import Enterprise
from registry.permissions import ensure_registry_admin
from sanctions.choices import RatingRuleKind
from sanctions.lists.recognition import RATING, listing_unrecognised, record_unrecognised
from sanctions.lists.selectors import active_listings
from sanctions.models import CreditRecord, EnterpriseRating, Listing, RatingModel, RatingRule
from sanctions.records.selectors import public_records

# --- The engine ---------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """A computed rating: grade, points and the rules that fired (JSON-ready)."""

    grade: str
    points: int
    base_points: int
    explanation: list[dict[str, Any]] = field(default_factory=list)
    fingerprint: str = ""


@dataclass
class Engine:
    """A rating model with its rules, loaded once and applied to many enterprises."""

    model: RatingModel
    rules: list[RatingRule]
    signature: str

    @classmethod
    def load(cls, model: RatingModel) -> Engine:
        rules = list(RatingRule.objects.filter(model=model).order_by("order", "id"))
        signature = _digest(
            {
                "model": model.pk,
                "base": model.base_points,
                "grades": model.grades,
                "rules": [
                    [
                        r.pk,
                        r.name,
                        r.kind,
                        r.record_kind,
                        r.severity,
                        r.list_kind_id,
                        r.points,
                        r.max_count,
                        r.ceiling_grade,
                        r.legal_basis,
                    ]
                    for r in rules
                ],
            }
        )
        return cls(model=model, rules=rules, signature=signature)

    @property
    def grade_order(self) -> list[str]:
        return [g["grade"] for g in self.model.grades]

    def grade_for(self, points: int) -> str:
        for entry in self.model.grades:
            minimum = entry.get("min_points")
            if minimum is None or points >= minimum:
                return entry["grade"]
        return self.model.grades[-1]["grade"]

    def evaluate(self, *, records: Sequence[CreditRecord], listings: Sequence[Listing]) -> Outcome:
        """Apply every rule to the enterprise's public records and listings in force."""
        counted = [r for r in records if not r.is_exempt]
        counted.sort(key=lambda r: (r.decision_date, r.pk), reverse=True)
        ordered_listings = sorted(listings, key=lambda x: (x.start_date, x.pk), reverse=True)
        explanation: list[dict[str, Any]] = []
        total = self.model.base_points
        ceilings: list[tuple[str, dict[str, Any]]] = []
        for rule in self.rules:
            if rule.kind == RatingRuleKind.RECORD:
                matches = [
                    _record_item(r)
                    for r in counted
                    if r.kind == rule.record_kind and (not rule.severity or r.severity == rule.severity)
                ]
            else:
                matches = [_listing_item(x) for x in ordered_listings if x.list_kind_id == rule.list_kind_id]
            if not matches:
                continue
            entry = {"rule": rule.pk, "name": rule.name, "kind": rule.kind, "legal_basis": rule.legal_basis}
            if rule.kind == RatingRuleKind.FLOOR:
                entry.update(points=0, ceiling_grade=rule.ceiling_grade, items=matches)
                ceilings.append((rule.ceiling_grade, entry))
            else:
                limit = rule.max_count if rule.max_count is not None else len(matches)
                used, unused = matches[:limit], matches[limit:]
                points = rule.points * len(used)
                entry.update(
                    points=points,
                    points_each=rule.points,
                    count=len(used),
                    items=used,
                    not_counted=unused,
                    max_count=rule.max_count,
                )
                total += points
            explanation.append(entry)
        grade = self.grade_for(total)
        order = self.grade_order
        for ceiling, entry in ceilings:
            applied = ceiling in order and order.index(ceiling) > order.index(grade)
            entry["applied"] = applied
            if applied:
                grade = ceiling
        outcome = Outcome(
            grade=grade, points=total, base_points=self.model.base_points, explanation=explanation
        )
        outcome.fingerprint = _digest(
            {"signature": self.signature, "grade": grade, "points": total, "explanation": explanation}
        )
        return outcome

    def base_outcome(self) -> Outcome:
        """The outcome for an enterprise with nothing public: the base grade."""
        return self.evaluate(records=[], listings=[])


def _digest(value: Any) -> str:
    return hashlib.sha256(
        json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _record_item(record: CreditRecord) -> dict[str, Any]:
    return {
        "type": "record",
        "id": record.pk,
        "record_key": str(record.record_key),
        "document_number": record.document_number,
        "kind": record.kind,
        "severity": record.severity,
        "decision_date": record.decision_date.isoformat(),
        "agency": record.agency.name,
    }


def _listing_item(listing: Listing) -> dict[str, Any]:
    return {
        "type": "listing",
        "id": listing.pk,
        "list": listing.list_kind_id,
        "list_name": listing.list_kind.name,
        "document_number": listing.document_number,
        "start_date": listing.start_date.isoformat(),
        "end_date": listing.end_date.isoformat() if listing.end_date else None,
        "agency": listing.agency.name,
    }


# --- Which models, which enterprises -------------------------------------------------------------------


def rating_models_in_force(*, today: dt.date | None = None) -> list[RatingModel]:
    today = today or timezone.localdate()
    return list(RatingModel.objects.filter(effective_from__lte=today).order_by("-is_default", "code"))


def _default_models() -> QuerySet[RatingModel]:
    return RatingModel.objects.filter(is_default=True).order_by("code")


def default_rating_model() -> RatingModel | None:
    return _default_models().first()


def _store(enterprise_ids: Iterable[int], engine: Engine, outcomes: dict[int, Outcome]) -> int:
    """Write the outcomes that differ from the current rating; returns how many rows were added."""
    ids = list(enterprise_ids)
    current = dict(
        EnterpriseRating.objects.filter(
            enterprise_id__in=ids, model=engine.model, is_current=True
        ).values_list("enterprise_id", "fingerprint")
    )
    changed = [i for i in ids if current.get(i) != outcomes[i].fingerprint]
    if not changed:
        return 0
    EnterpriseRating.objects.filter(enterprise_id__in=changed, model=engine.model, is_current=True).update(
        is_current=False
    )
    EnterpriseRating.objects.bulk_create(
        [
            EnterpriseRating(
                enterprise_id=i,
                model=engine.model,
                grade=outcomes[i].grade,
                points=outcomes[i].points,
                explanation=outcomes[i].explanation,
                fingerprint=outcomes[i].fingerprint,
                is_current=True,
            )
            for i in changed
        ]
    )
    enterprise_changed(changed)  # the grade is on the credit page and in its cache
    return len(changed)


def evaluate_many(enterprise_ids: Sequence[int], engines: Sequence[Engine], today: dt.date) -> int:
    """Evaluate a batch of enterprises under each model (three queries for the inputs) and store."""
    records: dict[int, list[CreditRecord]] = defaultdict(list)
    listings: dict[int, list[Listing]] = defaultdict(list)
    # A partner platform's data count unless a recognition rule says otherwise (``recognition``).
    for record in (
        public_records(today=today)
        .filter(enterprise_id__in=enterprise_ids)
        .exclude(record_unrecognised(RATING))
        .select_related("agency")
    ):
        records[record.enterprise_id].append(record)
    for listing in (
        active_listings(today=today)
        .filter(enterprise_id__in=enterprise_ids)
        .exclude(listing_unrecognised(RATING))
    ):
        listings[listing.enterprise_id].append(listing)
    added = 0
    for engine in engines:
        outcomes = {i: engine.evaluate(records=records[i], listings=listings[i]) for i in enterprise_ids}
        added += _store(enterprise_ids, engine, outcomes)
    return added


def lock_enterprises(enterprise_ids: Sequence[int]) -> None:
    # One rating computation per enterprise at a time: the task and the bulk command may overlap.
    list(
        Enterprise.objects.select_for_update().filter(pk__in=enterprise_ids).order_by("pk").values_list("pk")
    )


@transaction.atomic
def rating_recompute(*, enterprise_id: int, today: dt.date | None = None) -> list[EnterpriseRating]:
    """Recompute an enterprise's ratings under every model in force; idempotent (nothing changes
    when the outcome is the same). Returns the current ratings."""
    today = today or timezone.localdate()
    engines = [Engine.load(m) for m in rating_models_in_force(today=today)]
    lock_enterprises([enterprise_id])
    if engines:
        evaluate_many([enterprise_id], engines, today)
    return list(
        EnterpriseRating.objects.filter(enterprise_id=enterprise_id, is_current=True).select_related("model")
    )


EVALUATE_MANY = 500  # enterprises evaluated together (three queries for their inputs)


@transaction.atomic
def ratings_recompute_many(*, enterprise_ids: Sequence[int], today: dt.date | None = None) -> int:
    """``rating_recompute`` for many enterprises at once (a batch of the expiry jobs), 500 at a time:
    the same engine, locks and storing (a new rating only where the outcome changed, its page's cache
    bumped). Enterprises that no longer exist are skipped. Returns the new rating rows."""
    today = today or timezone.localdate()
    engines = [Engine.load(m) for m in rating_models_in_force(today=today)]
    if not engines:
        return 0
    ids = sorted(set(Enterprise.objects.filter(pk__in=list(enterprise_ids)).values_list("pk", flat=True)))
    added = 0
    for start in range(0, len(ids), EVALUATE_MANY):
        batch = ids[start : start + EVALUATE_MANY]
        lock_enterprises(batch)
        added += evaluate_many(batch, engines, today)
    return added


# --- Reads ----------------------------------------------------------------------------------------------


def rating_current(*, enterprise: Enterprise, model: RatingModel | None = None) -> EnterpriseRating | None:
    """The enterprise's current grade under a model (default: the default model)."""
    return (
        EnterpriseRating.objects.filter(rating_current_filter(model), enterprise=enterprise)
        .select_related("model")
        .first()
    )


def rating_current_filter(model: RatingModel | None = None) -> Q:
    """Which ratings are current under a model (default: the default model, in the same query)."""
    if model is None:
        model = _default_models().values("pk")[:1]
    return Q(model=model, is_current=True)


def rating_history(*, enterprise: Enterprise, model: RatingModel | None = None) -> QuerySet[EnterpriseRating]:
    model = model or default_rating_model()
    return EnterpriseRating.objects.filter(enterprise=enterprise, model=model).order_by("-computed_at", "-id")


# --- The model as data (registry administrators) ---------------------------------------------------------


def _check_grades(grades: Any) -> None:
    message = _(
        'The grade scale is a list, best grade first: [{"grade": "A", "min_points": 90}, …, '
        '{"grade": "D", "min_points": null}].'
    )
    if (
        not isinstance(grades, list)
        or not grades
        or not all(isinstance(g, dict) and g.get("grade") for g in grades)
    ):
        raise ValidationError({"grades": [message]})
    minimums = [g.get("min_points") for g in grades]
    if minimums[-1] is not None or any(m is None or not isinstance(m, int) for m in minimums[:-1]):
        raise ValidationError(
            {"grades": [_("Every grade but the last has a whole-number minimum; the last has none.")]}
        )
    if any(a <= b for a, b in zip(minimums[:-2], minimums[1:-1], strict=False)):
        raise ValidationError({"grades": [_("Minimums must fall from the best grade to the worst.")]})
    names = [g["grade"] for g in grades]
    if len(set(names)) != len(names):
        raise ValidationError({"grades": [_("Each grade appears once.")]})


@transaction.atomic
def rating_model_save(*, actor: User, model: RatingModel) -> RatingModel:
    """Add or change a rating model (its scale and base points). Run ``ratings_recompute --all`` after."""
    ensure_registry_admin(actor)
    existing = RatingModel.objects.filter(pk=model.pk).first()
    before = snapshot(existing) if existing else None
    _check_grades(model.grades)
    model.full_clean(validate_unique=existing is None)
    if model.is_default:
        RatingModel.objects.filter(is_default=True).exclude(pk=model.pk).update(is_default=False)
    model.save()
    audit_write(actor=actor, action="rating_model.save", target=model, before=before, after=snapshot(model))
    return model


@transaction.atomic
def rating_rule_save(*, actor: User, rule: RatingRule) -> RatingRule:
    """Add or change a rule of a rating model. Run ``ratings_recompute --all`` after."""
    ensure_registry_admin(actor)
    existing = RatingRule.objects.filter(pk=rule.pk).first() if rule.pk else None
    before = snapshot(existing) if existing else None
    errors: dict[str, list[str]] = {}
    if rule.kind == RatingRuleKind.RECORD:
        if not rule.record_kind:
            errors["record_kind"] = [_("A record rule names the kind of record it counts.")]
        if rule.list_kind_id or rule.ceiling_grade:
            errors["list_kind"] = [_("A record rule names no list and no grade ceiling.")]
    else:
        if not rule.list_kind_id:
            errors["list_kind"] = [_("Name the list this rule is about.")]
        if rule.record_kind or rule.severity:
            errors["record_kind"] = [_("A list rule names no record kind or severity.")]
    if rule.kind == RatingRuleKind.FLOOR:
        grades = [g.get("grade") for g in (rule.model.grades or [])]
        if rule.ceiling_grade not in grades:
            errors["ceiling_grade"] = [
                _("Choose a grade of the model's scale: %(grades)s.")
                % {"grades": ", ".join(map(str, grades))}
            ]
        if rule.points:
            errors["points"] = [_("A ceiling rule caps the grade and gives no points.")]
    elif rule.ceiling_grade:
        errors["ceiling_grade"] = [_("Only a ceiling rule names a grade.")]
    if errors:
        raise ValidationError(errors)
    rule.full_clean()
    rule.save()
    audit_write(actor=actor, action="rating_rule.save", target=rule, before=before, after=snapshot(rule))
    return rule
