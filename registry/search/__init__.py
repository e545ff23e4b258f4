"""Search by name or code: normalisation, the bigram document, query variants, code suggestions.

A name is indexed as its *bigrams*: every pair of consecutive characters of the normalised name
(``杭州西湖`` → ``杭州 州西 西湖``), stored as a ``tsvector`` with a GIN index. Any query of two or
more characters is then an AND of its bigrams, exact for two characters and re-checked with
``strpos`` on the stored normalised name for longer ones (the bigrams of ``西湖建`` also occur in
``湖建…西湖``). Trigrams cannot serve two-character Chinese queries; bigrams can.

Pinyin has a ``tsvector`` of its own (``search_pinyin``), built the same way one level up: for every
two consecutive characters, the pair of their syllables (``teng-da``, one lexeme per pair of
readings when a character has several, see ``registry.pinyin``) and the pair of their initials
(``~td``), each at the position of the first character. A query of syllables or initials is a phrase
of its pairs (``'shen-zhen' <-> 'zhen-shi' <-> 'shi-teng'``): it matches any run of the name, only
at syllable boundaries (``xihu`` finds 杭州西湖, ``ian`` never matches inside ``tian``), and two
syllables or two initials, like two characters, are enough. The pairs of the first two characters
are stored once more with ``^`` before them, so that names beginning with the query can be ranked
first.

The same normalisation is written in SQL (``registry_search_normalize`` in migration 0008) for
former names, whose columns PostgreSQL generates; a test keeps the two equal.
Pure functions: nothing here touches the database.

``indexing`` (normalisation and what is stored beside a name: ``search_fields``), ``queries``
(reading a query: ``plan_query``, ``SearchPlan``, ``Shares``), ``codes`` (what looks like a code,
``code_neighbours``), ``highlighting`` (``highlight``, ``needs_escaping``).
"""

from .codes import code_neighbours, looks_like_code
from .highlighting import highlight, needs_escaping
from .indexing import (
    LEGAL_FORMS,
    PINYIN_INITIALS,
    PINYIN_START,
    PUNCTUATION,
    SQL_PUNCTUATION_CLASS,
    SYLLABLE_JOINER,
    bigrams,
    normalize,
    pinyin_document,
    search_document,
    search_fields,
    strip_legal_form,
)
from .queries import (
    ALWAYS_COMMON,
    COMMON_SHARE,
    MAX_INITIALS,
    MIN_QUERY,
    SearchPlan,
    Shares,
    plan_query,
    script_variants,
)

__all__ = [
    "ALWAYS_COMMON",
    "COMMON_SHARE",
    "LEGAL_FORMS",
    "MAX_INITIALS",
    "MIN_QUERY",
    "PINYIN_INITIALS",
    "PINYIN_START",
    "PUNCTUATION",
    "SQL_PUNCTUATION_CLASS",
    "SYLLABLE_JOINER",
    "SearchPlan",
    "Shares",
    "bigrams",
    "code_neighbours",
    "highlight",
    "looks_like_code",
    "needs_escaping",
    "normalize",
    "pinyin_document",
    "plan_query",
    "script_variants",
    "search_document",
    "search_fields",
    "strip_legal_form",
]
