"""What a credit page shows, read in one query, and its body rendered by the hot-path template.

- ``query``: the enterprise and everything public about it, from PostgreSQL as one row (a prepared
  statement compiled once per process and database);
- ``page``: that row turned back into objects (``CreditPage``) that masking and the standing read;
- ``body``: the body template's context, masked and labelled, and the rendered body (Jinja2).
"""

from .body import credit_page_body, credit_page_context
from .page import CreditPage, credit_page_read
from .query import ENTERPRISE_FIELDS, RECORD_FIELDS

__all__ = [
    "ENTERPRISE_FIELDS",
    "RECORD_FIELDS",
    "CreditPage",
    "credit_page_body",
    "credit_page_context",
    "credit_page_read",
]
