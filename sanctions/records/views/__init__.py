"""The clerk desk: thin views over the selectors (reads) and the services (writes).

Every write is the service's, which checks permission itself; a view only turns the service's
``ValidationError`` into messages next to the fields and its ``PermissionDenied`` into a 403 page.
"""

from sanctions.records.views.editing import record_correct_view, record_edit, record_new
from sanctions.records.views.records import (
    record_detail,
    record_list,
    record_publish_view,
    record_revoke_view,
    record_send_back_view,
    record_submit_view,
    review_list,
)

__all__ = [
    "record_correct_view",
    "record_detail",
    "record_edit",
    "record_list",
    "record_new",
    "record_publish_view",
    "record_revoke_view",
    "record_send_back_view",
    "record_submit_view",
    "review_list",
]
