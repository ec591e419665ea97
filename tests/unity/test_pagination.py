from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory, SimpleTestCase


class PaginationIncludeTests(SimpleTestCase):
    def test_renders_page_and_row_counts_and_keeps_the_filters(self):
        page = Paginator(list(range(60)), 25).page(2)
        request = RequestFactory().get("/activities/", {"category": "3", "q": "宣", "page": "2", "format": "xlsx"})
        html = render_to_string("includes/pagination.html", {"is_paginated": True, "page_obj": page}, request=request)
        self.assertIn("第 2 / 3 页，共 60 条", html)
        # The filters stay, the page changes, and a page link never downloads the export.
        self.assertIn("?category=3&amp;q=%E5%AE%A3&amp;page=1", html)
        self.assertIn("?category=3&amp;q=%E5%AE%A3&amp;page=3", html)
        self.assertNotIn("format", html)
