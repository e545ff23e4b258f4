from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination


class CappedPageNumberPagination(PageNumberPagination):
    """Pages of at most 100 rows, and no deeper than 10,000 results: narrow the query instead."""

    page_size_query_param = "page_size"
    max_page_size = 100
    max_results = 10_000

    def paginate_queryset(self, queryset, request, view=None):
        page_size = self.get_page_size(request)
        try:
            number = int(request.query_params.get(self.page_query_param, 1))
        except (TypeError, ValueError):
            number = 1
        if page_size and number * page_size > self.max_results + page_size:
            raise NotFound(
                f"Results are available up to the first {self.max_results}; narrow the query with filters."
            )
        return super().paginate_queryset(queryset, request, view)
