from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import SimpleTestCase


class PaginationIncludeTests(SimpleTestCase):
    def test_renders_page_and_row_counts_and_keeps_the_filters(self):
        page = Paginator(list(range(60)), 25).page(2)
        html = render_to_string(
            "includes/pagination.html",
            {"is_paginated": True, "page_obj": page, "querystring": "category=3&q=%E5%AE%A3"},
        )
        self.assertIn("第 2 / 3 页，共 60 条", html)
        self.assertIn("?category=3&amp;q=%E5%AE%A3&amp;page=1", html)
        self.assertIn("?category=3&amp;q=%E5%AE%A3&amp;page=3", html)
