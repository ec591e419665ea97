"""Boundaries of a jurisdiction's children as GeoJSON, checked before they are kept (the cockpit's map).

A file is read whole in memory, so it is bounded first by size, then by features and by points. Each error
names the feature (its position and its code) so the person fixing the file knows where to look.
"""

import json
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_BYTES = 2 * 1024 * 1024
MAX_FEATURES = 500
MAX_POINTS = 200_000
CODE = re.compile(r"^\d{12}$")


def _number_pair(point):
    return (
        isinstance(point, list | tuple)
        and len(point) >= 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point[:2])
        and -180 <= point[0] <= 180
        and -90 <= point[1] <= 90
    )


def _polygons(geometry):
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "Polygon" and isinstance(coordinates, list):
        return [coordinates]
    if kind == "MultiPolygon" and isinstance(coordinates, list):
        return coordinates
    return None


def _ring_error(ring):
    if not isinstance(ring, list) or len(ring) < 4:
        return _("边界环至少需要4个点")
    if not all(_number_pair(p) for p in ring):
        return _("坐标须为经度、纬度（经度-180至180，纬度-90至90）")
    if list(ring[0][:2]) != list(ring[-1][:2]):
        return _("边界环的首尾坐标须相同（闭合）")
    return None


def parse_boundaries(raw, *, children):
    """Return the FeatureCollection in `raw` (bytes) keyed by the children's codes, or raise ValidationError.

    `children`: {code: name} of the jurisdiction's children; every feature must be one of them, once.
    """
    if len(raw) > MAX_BYTES:
        raise ValidationError(_("文件过大：边界文件不能超过%(mb)s MB。") % {"mb": MAX_BYTES // (1024 * 1024)})
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationError(_("不是有效的 GeoJSON 文件（JSON 格式错误：%(error)s）。") % {"error": exc}) from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise ValidationError(_("GeoJSON 的顶层须为 FeatureCollection，并含 features 列表。"))
    features = data["features"]
    if not features:
        raise ValidationError(_("文件中没有任何区域（features 为空）。"))
    if len(features) > MAX_FEATURES:
        raise ValidationError(_("区域过多：最多%(n)s个。") % {"n": MAX_FEATURES})
    errors, seen, points, kept = [], set(), 0, []
    for index, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = str((properties or {}).get("code", "")).strip()
        where = _("第%(i)s个区域（代码 %(code)s）") % {"i": index, "code": code or "—"}
        if not CODE.match(code):
            errors.append(_("%(where)s：properties.code 须为12位统计用区划代码。") % {"where": where})
            continue
        if code not in children:
            errors.append(_("%(where)s：不是本辖区的下级辖区。") % {"where": where})
            continue
        if code in seen:
            errors.append(_("%(where)s：代码重复。") % {"where": where})
            continue
        seen.add(code)
        polygons = _polygons(feature.get("geometry"))
        if not polygons:
            errors.append(_("%(where)s：几何类型须为 Polygon 或 MultiPolygon。") % {"where": where})
            continue
        problem = None
        for polygon in polygons:
            for ring in polygon if isinstance(polygon, list) else [None]:
                problem = _ring_error(ring)
                if problem:
                    break
                points += len(ring)
            if problem:
                break
        if problem:
            errors.append(_("%(where)s：%(problem)s。") % {"where": where, "problem": problem})
            continue
        kept.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": children[code]},
                "geometry": feature["geometry"],
            }
        )
    if points > MAX_POINTS:
        errors.append(_("坐标点过多：共%(n)s个，最多%(max)s个。请先简化边界。") % {"n": points, "max": MAX_POINTS})
    if errors:
        raise ValidationError(errors)
    return {"type": "FeatureCollection", "features": kept}
