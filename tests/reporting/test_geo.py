"""Boundaries for the cockpit's map: the demo file is accepted, bad ones are refused naming the feature."""

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from communities.choices import JurisdictionLevel, Role
from communities.models import AuditEntry
from reporting.geo import MAX_BYTES, parse_boundaries
from reporting.models import BoundaryMap
from tests.factories import make_jurisdiction, make_member

DEMO = Path(settings.BASE_DIR) / "demo" / "boundaries" / "520115000000.geojson"
CHILDREN = {"520115001000": "金华园街道", "520115002000": "世纪城街道", "520115100000": "朱昌镇"}
SQUARE = [[106.0, 26.0], [106.1, 26.0], [106.1, 26.1], [106.0, 26.1], [106.0, 26.0]]


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(code, ring=None, kind="Polygon"):
    return {
        "type": "Feature",
        "properties": {"code": code},
        "geometry": {"type": kind, "coordinates": [ring or SQUARE]},
    }


class ParseBoundariesTests(SimpleTestCase):
    def test_the_demo_file_is_accepted_and_named_by_the_tree(self):
        data = parse_boundaries(DEMO.read_bytes(), children=CHILDREN)
        self.assertEqual({f["properties"]["code"] for f in data["features"]}, set(CHILDREN))
        self.assertEqual({f["properties"]["name"] for f in data["features"]}, set(CHILDREN.values()))

    def assertRefused(self, raw, *fragments):
        with self.assertRaises(ValidationError) as caught:
            parse_boundaries(raw, children=CHILDREN)
        text = " ".join(caught.exception.messages)
        for fragment in fragments:
            self.assertIn(fragment, text)

    def test_each_bad_feature_is_named_by_position_and_code(self):
        open_ring = SQUARE[:-1] + [[106.05, 26.05]]
        self.assertRefused(
            collection(
                feature("520115001000"),
                feature("12345"),
                feature("520199001000"),
                feature("520115002000", open_ring),
                feature("520115100000", [[200, 26], [106, 26], [106, 27], [200, 26]]),
            ),
            "第2个区域（代码 12345）：properties.code 须为12位统计用区划代码",
            "第3个区域（代码 520199001000）：不是本辖区的下级辖区",
            "第4个区域（代码 520115002000）：边界环的首尾坐标须相同（闭合）",
            "第5个区域（代码 520115100000）：坐标须为经度、纬度",
        )

    def test_wrong_geometry_duplicates_and_empty_files(self):
        point = {
            "type": "Feature",
            "properties": {"code": "520115001000"},
            "geometry": {"type": "Point", "coordinates": [1, 2]},
        }
        self.assertRefused(collection(point), "第1个区域（代码 520115001000）：几何类型须为 Polygon 或 MultiPolygon")
        self.assertRefused(collection(feature("520115001000"), feature("520115001000")), "第2个区域", "代码重复")
        self.assertRefused(collection(), "features 为空")
        self.assertRefused(b'{"type": "Feature"}', "FeatureCollection")

    def test_not_json_and_too_large(self):
        self.assertRefused(b"{not json", "JSON 格式错误")
        self.assertRefused(b" " * (MAX_BYTES + 1), "文件过大")


class BoundaryUploadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.district = make_jurisdiction("观山湖区", JurisdictionLevel.DISTRICT, code="520115000000")
        for code, name in CHILDREN.items():
            make_jurisdiction(name, JurisdictionLevel.STREET, cls.district, code=code)
        cls.admin = make_member(cls.district, Role.ADMIN, "geo-admin")
        cls.leader = make_member(cls.district, Role.LEADER, "geo-leader")

    def _upload(self, raw, name="map.geojson"):
        return self.client.post(
            reverse("boundaries_upload", args=[self.district.code]), {"file": SimpleUploadedFile(name, raw)}
        )

    def test_without_boundaries_the_treemap_shows(self):
        self.client.force_login(self.leader)
        page = self.client.get(reverse("dashboard_jurisdiction", args=[self.district.code]))
        self.assertContains(page, 'data-chart="treemap"')
        self.assertNotContains(page, 'data-chart="map"')
        self.assertNotContains(page, "cockpit-geo")

    def test_the_demo_file_makes_the_dashboard_and_the_screen_show_a_map(self):
        self.client.force_login(self.admin)
        response = self._upload(DEMO.read_bytes())
        self.assertRedirects(response, reverse("dashboard_jurisdiction", args=[self.district.code]))
        self.assertTrue(AuditEntry.objects.filter(object_repr__contains="下级辖区边界").exists())
        self.client.force_login(self.leader)
        page = self.client.get(reverse("dashboard_jurisdiction", args=[self.district.code]))
        self.assertContains(page, 'data-chart="map"')
        self.assertContains(page, 'id="cockpit-geo"')
        self.assertNotContains(page, 'data-chart="treemap"')
        screen = self.client.get(reverse("screen", args=[self.district.code]))
        self.assertContains(screen, 'data-chart="map"')

    def test_a_malformed_file_is_refused_with_the_feature_named_and_nothing_kept(self):
        self.client.force_login(self.admin)
        response = self._upload(collection(feature("520115001000"), feature("520115009000")))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "第2个区域（代码 520115009000）：不是本辖区的下级辖区")
        self.assertFalse(BoundaryMap.objects.exists())

    def test_a_leader_cannot_upload(self):
        self.client.force_login(self.leader)
        self.assertEqual(self._upload(DEMO.read_bytes()).status_code, 404)
        self.assertFalse(BoundaryMap.objects.exists())
