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

import threading
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

from django.db import connections
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


@dataclass(frozen=True)
class CompiledQuery:
    """SQL and its parameters, each a constant, a whole slot, or a text with slots in it."""

    sql: str
    params: tuple  # ("const", value) | ("whole", name) | ("text", template, names)

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

    def fetch(self, using: str, values: Mapping[str, object]) -> list[tuple]:
        """The rows of the query with ``values`` in its slots, from the database ``using``."""
        with connections[using].cursor() as cursor:
            cursor.execute(self.sql, self.bind(values))
            return cursor.fetchall()


def compile_queryset(queryset: QuerySet, using: str) -> CompiledQuery:
    """The SQL of ``queryset`` (built with ``slot`` values), its parameters sorted into constants and slots."""
    sql, params = queryset.query.get_compiler(using=using).as_sql()
    if _OPEN in sql:
        raise ValueError("a slot was written into the SQL text instead of being passed as a parameter")
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
    return CompiledQuery(sql, tuple(sorted_params))


class QueryShapes:
    """The compiled queries of one hot read, by shape (a hashable key of whatever changes the SQL)."""

    def __init__(self) -> None:
        self._compiled: dict[Hashable, CompiledQuery] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], QuerySet], using: str) -> CompiledQuery:
        found = self._compiled.get(key)
        if found is None:
            found = compile_queryset(build(), using)
            with self._lock:
                if len(self._compiled) >= _MAX_SHAPES:
                    self._compiled.clear()
                self._compiled[key] = found
        return found

    def clear(self) -> None:
        with self._lock:
            self._compiled.clear()
