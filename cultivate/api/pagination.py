from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.pagination import CursorPagination


class CreatedCursor(CursorPagination):
    """Cursor pages, newest first: stable while new rows arrive, cheap however deep."""

    ordering = "-created_at"
    page_size = 20
    page_size_query_param = "limit"
    max_page_size = 100


PAGE_PARAMETERS = [
    OpenApiParameter("cursor", str, description="The page to read, from a previous page's next or previous link."),
    OpenApiParameter("limit", int, description="Rows a page (default 20, at most 100)."),
]
