from django.utils.translation import gettext as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination


class CappedPageNumberPagination(PageNumberPagination):
    """Pages of at most 100 rows, and no deeper than 10,000 results: narrow the query instead.

    ``page_size`` is a whole number of 1 or more (anything else is refused with 400, not silently
    replaced by the default); a larger one than 100 gets 100 rows. ``page`` past the last page, or not
    a whole number of 1 or more, is a 404. The schema says the same (``get_schema_operation_parameters``).
    """

    page_size_query_param = "page_size"
    max_page_size = 100
    max_results = 10_000
    last_page_strings = ()  # the schema says ``page`` is a number: "last" is not one

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise ValidationError(
                {self.page_size_query_param: [_("Enter a whole number of rows per page, 1 or more.")]},
                code="invalid",
            )
        return min(int(raw), self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        page_size = self.get_page_size(request)
        raw = request.query_params.get(self.page_query_param, "1")
        if not (raw.isascii() and raw.isdigit() and int(raw) >= 1):
            raise NotFound(self.invalid_page_message)  # DRF's answer to a page that is not one
        number = int(raw)
        if page_size and number * page_size > self.max_results + page_size:
            raise NotFound(
                _("Results are available up to the first %(count)d; narrow the query with filters.")
                % {"count": self.max_results}
            )
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    "A page number, from 1. A page past the last, or past the first "
                    f"{self.max_results:,} results, is a 404."
                )
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = (
                    f"Rows per page, 1 or more (default {self.page_size}); at most {self.max_page_size} "
                    "are returned, whatever is asked."
                )
        return parameters
