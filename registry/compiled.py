"""Querysets compiled to SQL once per shape, then run with each request's values.

Building and compiling a queryset with a few subqueries and ``CASE`` expressions costs Django one to
three milliseconds of CPU: more than PostgreSQL takes to run it, and most of what a search page costs.
A hot read whose SQL keeps the same shape from one request to the next (only values change) is built
once per process with *slots* in place of the values (``slot("query")``: a string no one types),
compiled, and then run with the values put back in their places (``CompiledQuery.bind``). The
queryset stays the one definition of what is read; only its compilation is remembered.

A slot may be a whole parameter (any value), or part of a text parameter Django built around it
(``name LIKE 'slot%'``, a name with its legal form appended): then the value must not hold the
characters Django would have escaped there (``%``, ``_``, ``\\``), and ``bind`` refuses it
(``ValueError``) rather than run a different query. A slot that Django wrote into the SQL text itself,
instead of passing it as a parameter, makes the compilation fail loudly.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

import psycopg
from django.db import connections
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import QuerySet

_OPEN, _CLOSE = "\ue000", "\ue001"  # Unicode private use: never in a name, a code or pinyin
_LIKE_SPECIALS = ("%", "_", "\\")
_MAX_SHAPES = 512  # per process; the shapes of a search are a few dozen


def slot(name: str) -> str:
    """The placeholder of the value called ``name``, for building a queryset to compile."""
    return f"{_OPEN}{name}{_CLOSE}"


def _slots_in(text: str) -> list[str]:
    names, start = [], text.find(_OPEN)
    while start != -1:
        end = text.index(_CLOSE, start)
        names.append(text[start + 1 : end])
        start = text.find(_OPEN, end)
    return names


class _Cursor(CursorWrapper):
    """psycopg's own cursor (server-side binding, PostgreSQL's $n placeholders) as Django wraps its
    cursors (query log, execute wrappers, Django's database errors); a prepared statement if asked."""

    prepare = False

    def _execute(self, sql, params, *ignored_wrapper_args):
        with self.db.wrap_database_errors:
            return self.cursor.execute(sql, params, prepare=self.prepare)


class _DebugCursor(CursorDebugWrapper):
    prepare = False
    _execute = _Cursor._execute

    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        # psycopg keeps no text of a prepared statement's run: the query log gets the statement itself.
        return super().debug_sql(sql, params, use_last_executed_query and not self.prepare, many)


def server_cursor(connection, *, prepare: bool = False) -> CursorWrapper:
    """A cursor of psycopg's own on ``connection`` (server-side binding: the SQL uses ``$n``),
    wrapped as Django wraps its cursors; running each statement as a prepared one if asked."""
    connection.ensure_connection()
    cursor = (_DebugCursor if connection.queries_logged else _Cursor)(
        psycopg.RawCursor(connection.connection), connection
    )
    cursor.prepare = prepare
    return cursor


@dataclass(frozen=True)
class CompiledQuery:
    """SQL (with PostgreSQL's own placeholders: psycopg need not rewrite it on every run, which it does
    for statements over 4 kB or with more than 50 parameters) and its parameters, each a constant, a
    whole slot, or a text with slots in it. ``prepare``: run as a prepared statement, for a query whose
    best plan does not depend on its values: PostgreSQL plans it once per connection, for any values
    (``plan_cache_mode = force_generic_plan``, config/settings/base.py), so a condition on a value must
    be one an index can take as a parameter (a range, not a ``LIKE`` pattern)."""

    sql: str
    params: tuple  # ("const", value) | ("whole", name) | ("text", template, names)
    prepare: bool = False

    def bind(self, values: Mapping[str, object]) -> list:
        bound = []
        for kind, *rest in self.params:
            if kind == "const":
                bound.append(rest[0])
            elif kind == "whole":
                bound.append(values[rest[0]])
            else:
                text, names = rest
                for name in names:
                    value = str(values[name])
                    if any(ch in value for ch in _LIKE_SPECIALS):
                        raise ValueError(f"{value!r} cannot fill a slot inside a text parameter")
                    text = text.replace(slot(name), value)
                bound.append(text)
        return bound

    def around(self, template: str, params: tuple) -> CompiledQuery:
        """This query inside another: ``template`` holds ``{query}`` where this query's SQL goes, and
        ``{0}``, ``{1}`` … where its own parameters go (``params``, each as one of ``self.params``)."""
        first = len(self.params) + 1
        sql = template.format(*(f"${first + i}" for i in range(len(params))), query=self.sql)
        return CompiledQuery(sql, (*self.params, *params), self.prepare)

    def fetch(self, using: str, values: Mapping[str, object]) -> list[tuple]:
        """The rows of the query with ``values`` in its slots, from the database ``using``."""
        with server_cursor(connections[using], prepare=self.prepare) as cursor:
            cursor.execute(self.sql, self.bind(values))
            return cursor.fetchall()


def compile_queryset(
    queryset: QuerySet, using: str, *, prepare: bool = False, rows_from: QuerySet | None = None
) -> CompiledQuery:
    """The SQL of ``queryset`` (built with ``slot`` values), its parameters sorted into constants and slots.

    ``rows_from``: a queryset whose rows ``queryset`` reads in place of its model's table (what Django
    cannot say, such as ranking the rows of a union): its SQL becomes the FROM of ``queryset``'s, under
    the table's name, so that every column ``queryset`` reads must be one of its columns. ``queryset``
    must read that one table and nothing else."""
    compiler = queryset.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    if rows_from is not None:
        table = f" FROM {compiler.quote_name_unless_alias(queryset.model._meta.db_table)}"
        if sql.count(table) != 1 or " JOIN " in sql:
            raise ValueError("rows_from: the queryset must read its own table once, alone")
        before, after = sql.split(table)
        inner, inner_params = rows_from.query.get_compiler(using=using).as_sql()
        taken = len(re.findall(r"%%|%s", before)) - before.count("%%")
        sql = f"{before} FROM ({inner}) AS{table[5:]}{after}"
        params = (*params[:taken], *inner_params, *params[taken:])
    if _OPEN in sql:
        raise ValueError("a slot was written into the SQL text instead of being passed as a parameter")
    numbers = itertools.count(1)
    sql = re.sub(r"%%|%s", lambda m: "%" if m.group() == "%%" else f"${next(numbers)}", sql)
    sorted_params = []
    for param in params:
        if isinstance(param, str) and _OPEN in param:
            names = _slots_in(param)
            if param == slot(names[0]):
                sorted_params.append(("whole", names[0]))
            else:
                sorted_params.append(("text", param, tuple(dict.fromkeys(names))))
        else:
            sorted_params.append(("const", param))
    return CompiledQuery(sql, tuple(sorted_params), prepare)


class QueryShapes:
    """The compiled queries of one hot read, by shape (a hashable key of whatever changes the SQL);
    ``prepare``: their plans do not depend on their values (see ``CompiledQuery``)."""

    def __init__(self, *, prepare: bool = False) -> None:
        self._compiled: dict[Hashable, CompiledQuery] = {}
        self._lock = threading.Lock()
        self._prepare = prepare

    def get(
        self,
        key: Hashable,
        build: Callable[[], QuerySet],
        using: str,
        *,
        rows_from: Callable[[], QuerySet] | None = None,
    ) -> CompiledQuery:
        found = self._compiled.get(key)
        if found is None:
            source = rows_from() if rows_from is not None else None
            found = compile_queryset(build(), using, prepare=self._prepare, rows_from=source)
            with self._lock:
                if len(self._compiled) >= _MAX_SHAPES:
                    self._compiled.clear()
                self._compiled[key] = found
        return found

    def clear(self) -> None:
        with self._lock:
            self._compiled.clear()
