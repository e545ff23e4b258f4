"""An enterprise's credit standing today and the words that say it: the one rule behind the credit
page's header, the PDF report's summary, the public API's standing and the badges' answer.

The standing is worked out from public information only — the records in their publicity period
(``public_records_for``) and the listings in force (``active_listings_for``), exactly what the page
and the report list — and it is worded from the same counts, so that no reader can be told
"no adverse record" beside a listed penalty (``docs/domain.md`` §2, §6).

Levels, worst first:

- ``inactive``: business licence revoked, or deregistered;
- ``dishonest``: on the seriously dishonest entities list;
- ``attention``: a serious (or specific serious) penalty in publicity, or a listing in force on
  another list of punishment or attention nature (watch list, abnormal operations list);
- ``penalised``: an administrative penalty in publicity, nothing worse;
- ``good``: nothing of the above.

A penalty exempt for force majeure (``is_exempt``) is listed and counted in the wording, but has
no credit consequence: it never lowers the level. The wording is computed in the active language
when it is read, with plural-correct messages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from registry.choices import EnterpriseStatus
from registry.language import in_reader_language
from registry.models import Enterprise
from sanctions.choices import ListNature, RecordKind
from sanctions.lists.standing_facts import SERIOUS_SEVERITIES, Facts, standing_facts

INACTIVE = "inactive"
DISHONEST = "dishonest"
ATTENTION = "attention"
PENALISED = "penalised"
GOOD = "good"
LEVELS = (INACTIVE, DISHONEST, ATTENTION, PENALISED, GOOD)  # worst first

# The code of the seriously dishonest entities list (a list kind of fixtures/credit_system.json).
DISHONEST_LIST = "dishonest"
INACTIVE_STATUSES = (EnterpriseStatus.REVOKED, EnterpriseStatus.DEREGISTERED)
ADVERSE_NATURES = (ListNature.PUNISHMENT, ListNature.ATTENTION)

LEVEL_LABELS = {
    GOOD: gettext_lazy("In good standing"),
    PENALISED: gettext_lazy("Penalties in publicity"),
    ATTENTION: gettext_lazy("Attention"),
    DISHONEST: gettext_lazy("On the seriously dishonest entities list"),
    INACTIVE: gettext_lazy("No longer operating"),
}


@dataclass(frozen=True)
class PenaltyCounts:
    """The enterprise's administrative penalties in their publicity period, as listed."""

    total: int = 0
    serious: int = 0  # not exempt, serious or specific serious
    exempt: int = 0  # force majeure: listed, no credit consequence

    @property
    def with_consequence(self) -> int:
        return self.total - self.exempt


def list_display_name(name: str, name_en: str) -> str:
    """A list's name in the active language: the English name in English, when it has one."""
    return in_reader_language(name, name_en)


@dataclass(frozen=True)
class ListCount:
    """One list of punishment or attention nature the enterprise is on today, with its listings in force."""

    code: str
    name: str
    name_en: str
    nature: str
    count: int

    @property
    def display_name(self) -> str:
        return list_display_name(self.name, self.name_en)


@dataclass(frozen=True)
class Standing:
    """The level and what it rests on; ``label``, ``reasons``, ``details`` and ``summary`` are its
    words in the active language."""

    level: str
    penalties: PenaltyCounts = field(default_factory=PenaltyCounts)
    lists: tuple[ListCount, ...] = ()
    status: str = ""  # the registration status, when the enterprise no longer operates

    @property
    def label(self) -> str:
        return str(LEVEL_LABELS[self.level])

    @property
    def serious_penalties(self) -> int:
        return self.penalties.serious

    @property
    def reasons(self) -> list[str]:
        """Each fact the level rests on, in words: the registration status, each adverse list,
        the penalties in publicity (of them serious, of them exempt)."""
        reasons: list[str] = []
        if self.status:
            reasons.append(
                _("Registration status: %(status)s") % {"status": EnterpriseStatus(self.status).label}
            )
        for entry in self.lists:
            reasons.append(
                ngettext(
                    "Listed on %(list)s (%(count)d listing in force)",
                    "Listed on %(list)s (%(count)d listings in force)",
                    entry.count,
                )
                % {"list": entry.display_name, "count": entry.count}
            )
        penalties = self.penalties
        if penalties.total:
            main = ngettext(
                "%(count)d administrative penalty in its publicity period",
                "%(count)d administrative penalties in their publicity period",
                penalties.total,
            ) % {"count": penalties.total}
            parts = []
            if penalties.serious:
                parts.append(
                    ngettext("%(count)d of them serious", "%(count)d of them serious", penalties.serious)
                    % {"count": penalties.serious}
                )
            if penalties.exempt:
                parts.append(
                    ngettext(
                        "%(count)d of them exempt for force majeure, with no credit consequence",
                        "%(count)d of them exempt for force majeure, with no credit consequence",
                        penalties.exempt,
                    )
                    % {"count": penalties.exempt}
                )
            if parts:
                main = _("%(penalties)s (%(details)s)") % {
                    "penalties": main,
                    "details": pgettext("list separator", "; ").join(parts),
                }
            reasons.append(main)
        return reasons

    @property
    def details(self) -> str:
        """The reasons in one line, or "no adverse record in publicity" — only when that is true."""
        reasons = self.reasons
        if reasons:
            return pgettext("list separator", "; ").join(reasons)
        return _("No adverse record in publicity")

    @property
    def summary(self) -> str:
        """The one sentence every reader prints: "Attention: 2 administrative penalties …"."""
        return _("%(standing)s: %(details)s") % {"standing": self.label, "details": self.details}

    def as_dict(self) -> dict:
        """Plain JSON values, in the active language: for the API and the signed report."""
        return {
            "level": self.level,
            "label": self.label,
            "reasons": self.reasons,
            "summary": self.summary,
            "penalties": self.penalties.total,
            "serious_penalties": self.penalties.serious,
            "exempt_penalties": self.penalties.exempt,
            "lists": [{"list_kind": e.code, "name": e.display_name, "count": e.count} for e in self.lists],
        }


def penalty_counts(records: Iterable) -> PenaltyCounts:
    """The counts of records already read (public records of one enterprise, as listed)."""
    total = serious = exempt = 0
    for record in records:
        if record.kind != RecordKind.PENALTY or getattr(record, "uncounted", False):
            continue
        total += 1
        if record.is_exempt:
            exempt += 1
        elif record.severity in SERIOUS_SEVERITIES:
            serious += 1
    return PenaltyCounts(total, serious, exempt)


def standing_from(*, enterprise: Enterprise, listings: Iterable, penalties: PenaltyCounts) -> Standing:
    """The standing from what a page has read already: the enterprise's listings in force
    (``active_listings_for``, with their list kinds) and the counts of its public penalties
    (``penalty_counts`` over ``public_records_for``)."""
    lists: dict[str, list] = {}
    for entry in listings:
        kind = entry.list_kind
        if kind.nature in ADVERSE_NATURES and not getattr(entry, "uncounted", False):
            lists.setdefault(kind.code, [kind, 0])[1] += 1
    counted = tuple(
        ListCount(kind.code, kind.name, kind.name_en, kind.nature, count)
        for kind, count in sorted(
            lists.values(),
            key=lambda item: (
                item[0].code != DISHONEST_LIST,
                item[0].nature != ListNature.PUNISHMENT,
                item[0].code,
            ),
        )
    )
    if enterprise.status in INACTIVE_STATUSES:
        level = INACTIVE
    elif DISHONEST_LIST in lists:
        level = DISHONEST
    elif penalties.serious or counted:
        level = ATTENTION
    elif penalties.with_consequence:
        level = PENALISED
    else:
        level = GOOD
    return Standing(
        level,
        penalties=penalties,
        lists=counted,
        status=enterprise.status if level == INACTIVE else "",
    )


@dataclass(frozen=True)
class _ListedKind:
    code: str
    name: str
    name_en: str
    nature: str


@dataclass(frozen=True)
class _Listed:
    list_kind: _ListedKind


def enterprise_standings(
    *,
    enterprises: Iterable[Enterprise],
    today: dt.date | None = None,
    known: Mapping[int, Facts] | None = None,
) -> dict[int, Standing]:
    """The live standing of each enterprise, by id: one query however many enterprises (its facts
    precomputed where current, ``standing_facts``; the registration status as the rows given say).
    ``known``: the current precomputed facts of some of them, read already (``joined_facts``): then
    only the others are read, live."""
    enterprises = list(enterprises)
    if not enterprises:
        return {}
    facts = standing_facts([e.pk for e in enterprises], today=today, known=known)
    standings = {}
    for enterprise in enterprises:
        found = facts[enterprise.pk]
        standings[enterprise.pk] = standing_from(
            enterprise=enterprise,
            listings=[_Listed(_ListedKind(*entry)) for entry in found.listings],
            penalties=PenaltyCounts(found.penalties, found.serious, found.exempt),
        )
    return standings


def enterprise_standing(*, enterprise: Enterprise, today: dt.date | None = None) -> Standing:
    """The enterprise's live standing (one query)."""
    return enterprise_standings(enterprises=[enterprise], today=today)[enterprise.pk]
