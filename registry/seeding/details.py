"""Registration details for demo and synthetic enterprises, made by set-based SQL right after the
enterprises themselves (one statement per table, no row passes through Python), so that the bulk
seed keeps its speed: shareholders, key personnel, branches and a few changes each.

Rates, after what GSXT shows of ordinary enterprises: a limited or joint stock company has 1–5
shareholders (the legal representative among them), a partnership 2–4 partners, a sole
proprietorship its investor; a company 3–7 key personnel (the legal representative as chair or
executive director, a supervisor, a manager, directors); about half the enterprises registered as
branches are named after a company registered just before them and linked to it (some 3 % of
enterprises have a branch registered here; a few demo companies also have one that is not); and 0–3 changes each (domicile, registered capital, legal representative), dated after
establishment. Values are drawn from a hash of the enterprise's id, so a seed is reproducible, and
obey the rules the services check (paid-in within subscribed, nothing negative, valid codes).
"""

# ruff: noqa: S608 - the SQL is assembled from this module's constants; values travel as parameters

from __future__ import annotations

from .names import GIVEN_NAMES, SURNAMES

# The enterprises to give details: a CTE ``targets(id)`` is built from the caller's condition.
_COMPANIES = "('llc', 'joint_stock', 'foreign_invested', 'state_owned')"


def _h(expression: str, salt: int) -> str:
    """A non-negative pseudo-random integer from an id expression (PostgreSQL's own hash)."""
    return f"(hashint8(({expression}) * 16 + {salt}) & 2147483647)"


def _person(salt: int) -> str:
    return (
        f"((%(surnames)s::text[])[1 + {_h('e.id * 8 + g.n', salt)} %% cardinality(%(surnames)s::text[])]"
        f" || (%(given)s::text[])[1 + {_h('e.id * 8 + g.n', salt + 1)} %% cardinality(%(given)s::text[])])"
    )


def _statements(targets: str) -> list[str]:
    shareholders = f"""
        WITH targets AS ({targets})
        INSERT INTO registry_shareholder (enterprise_id, name, kind, uscc, subscribed_amount, subscribed_on,
                                          paid_in_amount, paid_in_on, contribution_form, position)
        SELECT e.id,
               CASE WHEN g.n = 0 OR e.entity_type = 'sole_proprietorship' THEN e.legal_representative
                    WHEN other.uscc IS NOT NULL THEN other.name ELSE {_person(1)} END,
               CASE WHEN g.n > 0 AND other.uscc IS NOT NULL THEN 'enterprise' ELSE 'natural_person' END,
               CASE WHEN g.n > 0 AND other.uscc IS NOT NULL THEN other.uscc ELSE '' END,
               share.subscribed,
               e.established_on + 365 * (10 + {_h("e.id", 3)} %% 20),
               share.paid,
               CASE WHEN share.paid > 0 THEN least(current_date, e.established_on + {_h("e.id", 6)} %% 30) END,
               CASE WHEN {_h("e.id * 8 + g.n", 7)} %% 20 = 0 THEN 'in_kind'
                    WHEN {_h("e.id * 8 + g.n", 7)} %% 20 = 1 THEN 'intellectual_property' ELSE 'currency' END,
               g.n
        FROM targets t JOIN registry_enterprise e ON e.id = t.id
        CROSS JOIN LATERAL generate_series(
            0,
            CASE WHEN e.entity_type = 'sole_proprietorship' THEN 0
                 WHEN e.entity_type = 'partnership' THEN 1 + {_h("e.id", 2)} %% 3
                 WHEN e.entity_type = 'joint_stock' THEN 1 + {_h("e.id", 2)} %% 4
                 ELSE {_h("e.id", 2)} %% 5 END
        ) g(n)
        CROSS JOIN LATERAL (
            SELECT round(e.registered_capital * part.value, 4) AS subscribed,
                   CASE WHEN {_h("e.id * 8 + g.n", 4)} %% 10 < 6 THEN round(e.registered_capital * part.value, 4)
                        ELSE round(e.registered_capital * part.value * ({_h("e.id * 8 + g.n", 5)} %% 100) / 100, 4)
                   END AS paid
            FROM (SELECT CASE WHEN g.n = 0 THEN 0.4 + 0.6 / (1 + {_h("e.id", 2)} %% 5)
                              ELSE 0.6 / (1 + {_h("e.id", 2)} %% 5) END AS value) part
        ) share
        LEFT JOIN LATERAL (
            SELECT o.uscc, o.name FROM registry_enterprise o
            WHERE {_h("e.id * 8 + g.n", 8)} %% 7 = 0 AND o.id = e.id - 1 - g.n AND o.entity_type IN {_COMPANIES}
        ) other ON true
        WHERE e.registered_capital IS NOT NULL AND e.established_on IS NOT NULL
          AND e.entity_type IN ('llc', 'joint_stock', 'foreign_invested', 'state_owned', 'partnership',
                                'sole_proprietorship')
        ON CONFLICT DO NOTHING
    """
    personnel = f"""
        WITH targets AS ({targets})
        INSERT INTO registry_keyperson (enterprise_id, name, role, position)
        SELECT e.id,
               CASE WHEN g.n = 0 OR (g.n = 2 AND {_h("e.id", 11)} %% 2 = 0) THEN e.legal_representative
                    ELSE {_person(12)} END,
               CASE WHEN g.n = 0 THEN CASE WHEN e.entity_type = 'joint_stock' OR {_h("e.id", 13)} %% 3 = 0
                                           THEN 'chair' ELSE 'executive_director' END
                    WHEN g.n = 1 THEN 'supervisor'
                    WHEN g.n = 2 THEN 'manager'
                    WHEN g.n = 3 THEN 'financial_officer'
                    ELSE 'director' END,
               g.n
        FROM targets t JOIN registry_enterprise e ON e.id = t.id
        CROSS JOIN LATERAL generate_series(0, 2 + {_h("e.id", 10)} %% 5) g(n)
        WHERE e.entity_type IN {_COMPANIES} AND e.legal_representative <> ''
        ON CONFLICT DO NOTHING
    """
    # A branch is linked to the company its name begins with (…有限公司杭州分公司), when that company is
    # among the targets (the closest one registered before it, names being not unique).
    branches = f"""
        WITH targets AS ({targets}),
        b AS (
            SELECT e.id, e.uscc, e.name, e.registration_authority, substring(e.name from '^(.*?公司)') AS home
            FROM targets t JOIN registry_enterprise e ON e.id = t.id WHERE e.entity_type = 'branch'
        ),
        p AS (
            SELECT e.id, e.name FROM targets t JOIN registry_enterprise e ON e.id = t.id
            WHERE e.entity_type IN {_COMPANIES}
        )
        INSERT INTO registry_branch (parent_id, uscc, name, registration_authority, branch_enterprise_id)
        SELECT DISTINCT ON (b.id) p.id, b.uscc, b.name, b.registration_authority, b.id
        FROM b JOIN p ON p.name = b.home
        ORDER BY b.id, (p.id < b.id) DESC, p.id DESC
        ON CONFLICT DO NOTHING
    """
    changes = f"""
        WITH targets AS ({targets})
        INSERT INTO registry_enterprisechange (enterprise_id, item, before, after, changed_on, recorded_at)
        SELECT e.id, item.name, item.before, item.after,
               least(current_date - 1, e.established_on + 1 + ({_h("e.id * 8 + g.n", 31)}
                     %% greatest(1, current_date - e.established_on - 1))),
               now()
        FROM targets t JOIN registry_enterprise e ON e.id = t.id
        CROSS JOIN LATERAL generate_series(1, {_h("e.id", 30)} %% 4) g(n)
        CROSS JOIN LATERAL (
            SELECT 'domicile' AS name,
                   to_jsonb(regexp_replace(e.domicile, '[0-9]+号.*$', '') || (1 + {_h("e.id * 8 + g.n", 32)} %% 900) || '号')
                   AS before,
                   to_jsonb(e.domicile) AS after
            WHERE ({_h("e.id", 30)} + g.n) %% 3 = 0 AND e.domicile <> ''
            UNION ALL
            SELECT 'registered_capital', to_jsonb(trim_scale(round(e.registered_capital / (1 + g.n), 4))::text),
                   to_jsonb(trim_scale(e.registered_capital)::text)
            WHERE ({_h("e.id", 30)} + g.n) %% 3 = 1 AND e.registered_capital IS NOT NULL
            UNION ALL
            SELECT 'legal_representative', to_jsonb({_person(33)}), to_jsonb(e.legal_representative)
            WHERE ({_h("e.id", 30)} + g.n) %% 3 = 2 AND e.legal_representative <> ''
        ) item
        WHERE e.established_on IS NOT NULL AND e.established_on < current_date - 2
    """
    return [shareholders, personnel, branches, changes]


BRANCHES = 2  # the place of the branches' statement in ``_statements``


def registration_details_seed(cursor, *, targets: str, params: dict | None = None) -> int:
    """Give the enterprises of ``targets`` (SQL selecting ``id``) their registration details; returns
    how many rows were made (shareholders, key personnel, branches and changes together)."""
    values = {"surnames": list(SURNAMES), "given": list(GIVEN_NAMES), **(params or {})}
    made = 0
    for number, statement in enumerate(_statements(targets)):
        if number != BRANCHES:
            cursor.execute(statement, values)
            made += max(cursor.rowcount, 0)
            continue
        # The branches' join on the parent's name is an equality PostgreSQL can hash, but the
        # planner, misled by the estimate of the branches among the targets, took a nested loop:
        # quadratic, hours at 1 M enterprises. No nested loop for this statement.
        cursor.execute("SET enable_nestloop = off")
        try:
            cursor.execute(statement, values)
            made += max(cursor.rowcount, 0)
        finally:
            cursor.execute("RESET enable_nestloop")
    return made
