"""Builders for activities, photos, categories and projects, and for image files made with Pillow."""

import itertools
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from activities.choices import ProjectKind
from activities.models import Activity, ActivityCategory, Project, ProjectFunding

_seq = itertools.count(1)


def make_category(name=None, **extra):
    return ActivityCategory.objects.create(name=name or f"类别{next(_seq)}", **extra)


def category(name="宣传教育"):
    """Return one of the categories the migrations load."""
    return ActivityCategory.objects.get(name=name)


def make_activity(jurisdiction, day=None, category_name="宣传教育", **fields):
    """Create an activity directly (no service, no audit): for tests that read rows."""
    fields.setdefault("title", f"活动{next(_seq)}")
    return Activity.objects.create(
        jurisdiction=jurisdiction, date=day or date(2024, 5, 10), category=category(category_name), **fields
    )


def make_project(jurisdiction, fundings=(), **fields):
    fields.setdefault("name", f"项目{next(_seq)}")
    fields.setdefault("kind", ProjectKind.HOUSING)
    fields.setdefault("total_investment", sum((Decimal(a) for _s, a in fundings), Decimal(0)))
    project = Project.objects.create(jurisdiction=jurisdiction, **fields)
    for source, amount in fundings:
        ProjectFunding.objects.create(project=project, source=source, amount=Decimal(amount))
    return project


def image_bytes(fmt="JPEG", size=(64, 48), color=(200, 30, 30), mode="RGB", **save_args):
    image = Image.new(mode, size, color if mode != "1" else 0)
    buffer = BytesIO()
    image.save(buffer, format=fmt, **save_args)
    return buffer.getvalue()


def jpeg_with_gps(size=(40, 20), orientation=None):
    """Return a JPEG with a camera make, a GPS position and optionally an orientation in its EXIF."""
    image = Image.new("RGB", size, (200, 30, 30))
    # The right half is blue, so a rotation shows in where the blue ends up.
    image.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (26.0, 34.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (106.0, 42.0, 7.0),
    }
    buffer = BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def upload(name="photo.jpg", content=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, image_bytes() if content is None else content, content_type=content_type)
