"""Reads of the registry. Views and the API ask here; nothing else builds these querysets.

``enterprises`` (an enterprise by its code), ``search_list`` (the search as a queryset),
``search_page`` (a page of results with their number), ``column_stats`` (the column statistics the
search reads), ``reference`` (divisions and agencies).
"""

from .column_stats import common_pairs, common_pinyin, names_estimate
from .enterprises import enterprise_code_suggestions, enterprise_get, enterprise_in_path
from .reference import (
    agency_get,
    agency_list,
    division_choices,
    division_describe,
    division_list,
    divisions_describe,
)
from .search_list import FORMER_RANK, SEARCH_LIMIT, enterprise_list, enterprise_search_plan
from .search_page import (
    FIRST_FOUND_BREAK_EVEN,
    KNOWN_MORE_FACTOR,
    Joined,
    SearchHit,
    SearchPage,
    enterprise_search_page,
)

# Private helpers and module state (the statistics' caches, ``_names_estimate``, ``_unmeasured``) are
# read and patched in the submodule that holds them.
__all__ = [
    "FIRST_FOUND_BREAK_EVEN",
    "FORMER_RANK",
    "KNOWN_MORE_FACTOR",
    "Joined",
    "SEARCH_LIMIT",
    "SearchHit",
    "SearchPage",
    "agency_get",
    "agency_list",
    "common_pairs",
    "common_pinyin",
    "division_choices",
    "division_describe",
    "divisions_describe",
    "division_list",
    "enterprise_code_suggestions",
    "enterprise_get",
    "enterprise_in_path",
    "enterprise_list",
    "enterprise_search_page",
    "enterprise_search_plan",
    "names_estimate",
]
