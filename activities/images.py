"""Activity photos: verify an upload is a real JPEG or PNG by decoding it, then re-encode it without metadata.

A photo is only ever stored as the JPEG this module writes: the upload's own bytes (and with them any
EXIF, GPS position, embedded thumbnail or trailing payload) are never kept.
"""

from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_EDGE = 2560
DEFAULT_THUMBNAIL_EDGE = 320
JPEG_QUALITY = 85
ACCEPTED_FORMATS = ("JPEG", "PNG")

# Pillow warns above this many pixels and refuses above twice as many while still reading the header,
# before any memory is spent on pixels; our own, lower limit is checked right after the header.
Image.MAX_IMAGE_PIXELS = max(DEFAULT_MAX_PIXELS, getattr(settings, "ACTIVITY_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS))

# Formats people try to upload from phones and desktops, recognised by their first bytes so the refusal
# can say what the file is.
_KNOWN_SIGNATURES = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"MZ", "EXE"),
    (b"PK\x03\x04", "ZIP"),
)


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo that passed the checks: re-encoded JPEG bytes of the picture and of its thumbnail."""

    name: str
    content: bytes
    thumbnail: bytes
    width: int
    height: int


def max_bytes():
    return getattr(settings, "ACTIVITY_PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_pixels():
    return getattr(settings, "ACTIVITY_PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def max_edge():
    return getattr(settings, "ACTIVITY_PHOTO_MAX_EDGE", DEFAULT_MAX_EDGE)


def thumbnail_edge():
    return getattr(settings, "ACTIVITY_PHOTO_THUMBNAIL_EDGE", DEFAULT_THUMBNAIL_EDGE)


def _human_size(size):
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(size // 1024, 1)} KB"


def _sniff(head):
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "HEIC" if head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc") else "MP4"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    for signature, label in _KNOWN_SIGNATURES:
        if head.startswith(signature):
            return label
    return None


def _not_a_photo(name, head):
    kind = _sniff(head)
    if kind == "HEIC":
        message = _(
            "“%(name)s”是苹果手机的 HEIC 格式，只接受 JPEG 或 PNG 照片。"
            "请在手机“设置 › 相机 › 格式”中选择“兼容性最佳”，或先转换为 JPEG 再上传。"
        )
    elif kind == "EXE":
        message = _("“%(name)s”是可执行程序，不是照片，已拒绝。只接受 JPEG 或 PNG 照片。")
    elif kind:
        message = _("“%(name)s”是 %(kind)s 文件，只接受 JPEG 或 PNG 照片。")
    else:
        message = _("“%(name)s”不是有效的 JPEG 或 PNG 照片（无法按图片读取），请选择手机或相机拍摄的照片。")
    return ValidationError(message, code="not_a_photo", params={"name": name, "kind": kind})


def _too_many_pixels(name, width=None, height=None):
    limit = max_pixels() // 10_000
    if width and height:
        return ValidationError(
            _("“%(name)s”的尺寸为 %(width)s×%(height)s 像素，超过 %(limit)s 万像素的上限，请缩小后再上传。"),
            code="too_many_pixels",
            params={"name": name, "width": width, "height": height, "limit": limit},
        )
    return ValidationError(
        _("“%(name)s”的像素数超过 %(limit)s 万像素的上限（可能是异常文件），已拒绝。"),
        code="too_many_pixels",
        params={"name": name, "limit": limit},
    )


def _unreadable(name):
    return ValidationError(
        _("“%(name)s”已损坏或不完整，无法读取，请重新导出照片后再上传。"), code="unreadable", params={"name": name}
    )


def _flatten(image):
    """Return an RGB image; transparent areas become white rather than black."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        # 16-bit greyscale PNGs: scale to 8 bits before converting, or the picture comes out white.
        image = image.point(lambda v: v / 256).convert("L")
    return image.convert("RGB")


def _encode(image):
    buffer = BytesIO()
    # No `exif` or `icc_profile` argument: the JPEG written here carries no metadata at all.
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


def process_photo(upload):
    """Check an uploaded file and return it as a ProcessedPhoto, or raise a ValidationError saying why not.

    The file is accepted only if Pillow decodes it as JPEG or PNG within the size and pixel limits; the
    name and content type the browser sent are not trusted.
    """
    name = getattr(upload, "name", "") or _("照片")
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes():
        raise ValidationError(
            _("“%(name)s”有 %(size)s，超过 %(limit)s 的上限，请压缩后再上传。"),
            code="too_large",
            params={"name": name, "size": _human_size(size), "limit": _human_size(max_bytes())},
        )
    if size == 0:
        raise ValidationError(_("“%(name)s”是空文件。"), code="empty", params={"name": name})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    try:
        image = Image.open(upload, formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(name) from None
    except UnidentifiedImageError:
        raise _not_a_photo(name, head) from None
    except (OSError, SyntaxError, ValueError):
        raise _unreadable(name) from None
    with image:
        width, height = image.size
        if width * height > max_pixels():
            raise _too_many_pixels(name, width, height)
        try:
            if image.format == "JPEG":
                # Let the decoder scale down by a power of two when the picture is far larger than kept.
                image.draft("RGB", (max_edge(), max_edge()))
            image.load()
            picture = ImageOps.exif_transpose(image)
            picture = _flatten(picture)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels(name, width, height) from None
        except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError, ZeroDivisionError):
            raise _unreadable(name) from None
    picture.thumbnail((max_edge(), max_edge()), Image.Resampling.LANCZOS)
    content = _encode(picture)
    thumb = picture.copy()
    thumb.thumbnail((thumbnail_edge(), thumbnail_edge()), Image.Resampling.LANCZOS)
    return ProcessedPhoto(
        name=name, content=content, thumbnail=_encode(thumb), width=picture.width, height=picture.height
    )


def ensure_processed(photo):
    """Return `photo` as a ProcessedPhoto, processing it first if it is still an uploaded file."""
    return photo if isinstance(photo, ProcessedPhoto) else process_photo(photo)
