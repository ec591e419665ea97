"""Photo checks: only real JPEG/PNG within the limits, re-encoded without EXIF, orientation applied."""

from io import BytesIO

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, override_settings
from PIL import Image

from activities.images import ProcessedPhoto, ensure_processed, process_photo
from tests.activities.factories_activities import image_bytes, jpeg_with_gps, upload


def decoded(data):
    image = Image.open(BytesIO(data))
    image.load()
    return image


class PhotoRejectionTests(SimpleTestCase):
    def assertRejected(self, file, *fragments):
        with self.assertRaises(ValidationError) as caught:
            process_photo(file)
        message = " ".join(caught.exception.messages)
        for fragment in fragments:
            self.assertIn(fragment, message)
        return message

    def test_renamed_exe_is_rejected_as_a_program(self):
        exe = (
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
            + b"\x00" * 200
            + b"This program cannot be run"
        )
        self.assertRejected(upload("活动照片.jpg", exe, "image/jpeg"), "“活动照片.jpg”", "可执行程序")

    def test_text_file_named_jpg_is_rejected(self):
        self.assertRejected(upload("notes.jpg", "这不是照片".encode() * 50, "image/jpeg"), "“notes.jpg”", "JPEG 或 PNG")

    def test_gif_bmp_webp_and_tiff_are_rejected_by_content_whatever_their_name(self):
        for fmt, label in (("GIF", "GIF"), ("BMP", "BMP"), ("WEBP", "WebP"), ("TIFF", "TIFF")):
            with self.subTest(fmt=fmt):
                self.assertRejected(upload("photo.jpg", image_bytes(fmt), "image/jpeg"), label, "只接受 JPEG 或 PNG")

    def test_heic_gets_advice_for_iphones(self):
        heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
        self.assertRejected(upload("IMG_0001.HEIC", heic, "image/heic"), "HEIC", "兼容性最佳")

    def test_file_over_the_size_limit_is_rejected_before_decoding(self):
        big = upload("big.jpg", b"\xff\xd8\xff" + b"\x00" * (10 * 1024 * 1024 + 1))
        self.assertRejected(big, "“big.jpg”", "超过 10 MB 的上限")

    @override_settings(ACTIVITY_PHOTO_MAX_BYTES=1024)
    def test_size_limit_comes_from_the_setting(self):
        content = image_bytes(size=(400, 400), quality=100)
        self.assertGreater(len(content), 1024)
        self.assertRejected(upload("p.jpg", content), "超过 1 KB 的上限")

    def test_decompression_bomb_is_rejected(self):
        # 20000×20000 pixels in about 50 KB: Pillow refuses it while reading the header.
        bomb = image_bytes("PNG", size=(20000, 20000), mode="1")
        self.assertLess(len(bomb), 100_000)
        self.assertRejected(upload("bomb.png", bomb, "image/png"), "“bomb.png”", "万像素")

    def test_image_over_our_pixel_limit_is_rejected_with_its_size(self):
        # 48 megapixels: under Pillow's own refusal, over our 40-megapixel limit.
        tall = image_bytes("PNG", size=(8000, 6000), mode="1")
        with self.assertWarns(Image.DecompressionBombWarning):
            self.assertRejected(upload("tall.png", tall, "image/png"), "8000×6000", "4000 万像素")

    def test_truncated_jpeg_is_rejected_as_damaged(self):
        content = image_bytes(size=(300, 200))
        self.assertRejected(upload("cut.jpg", content[: len(content) // 2]), "已损坏或不完整")

    def test_empty_file_is_rejected(self):
        self.assertRejected(upload("empty.jpg", b""), "空文件")


class PhotoProcessingTests(SimpleTestCase):
    def test_gps_and_all_exif_are_stripped(self):
        original = jpeg_with_gps()
        self.assertIn(b"TestCam", original)
        photo = process_photo(upload("gps.jpg", original))
        for data in (photo.content, photo.thumbnail):
            image = decoded(data)
            self.assertEqual(image.format, "JPEG")
            self.assertEqual(dict(image.getexif()), {})
            self.assertNotIn("exif", image.info)
            self.assertNotIn(b"Exif\x00\x00", data)
            self.assertNotIn(b"TestCam", data)

    def test_orientation_is_applied_to_the_pixels(self):
        # Orientation 6: the camera was turned; the picture is shown rotated 90° clockwise.
        photo = process_photo(upload("turned.jpg", jpeg_with_gps(size=(40, 20), orientation=6)))
        image = decoded(photo.content)
        self.assertEqual(image.size, (20, 40))
        self.assertEqual((photo.width, photo.height), (20, 40))
        red, _green, blue = image.getpixel((10, 5))
        self.assertGreater(red, blue)  # the red (left) half is now on top
        red, _green, blue = image.getpixel((10, 35))
        self.assertGreater(blue, red)

    def test_png_is_re_encoded_as_jpeg_with_transparency_on_white(self):
        png = image_bytes("PNG", size=(30, 30), color=(0, 0, 0, 0), mode="RGBA")
        photo = process_photo(upload("clear.png", png, "image/png"))
        image = decoded(photo.content)
        self.assertEqual((image.format, image.mode), ("JPEG", "RGB"))
        self.assertGreater(min(image.getpixel((15, 15))), 240)

    def test_large_photo_is_scaled_down_and_gets_a_thumbnail(self):
        photo = process_photo(upload("wide.jpg", image_bytes(size=(4000, 3000))))
        self.assertEqual(decoded(photo.content).size, (2560, 1920))
        self.assertEqual(decoded(photo.thumbnail).size, (320, 240))

    def test_small_photo_keeps_its_size(self):
        photo = process_photo(upload("small.jpg", image_bytes(size=(64, 48))))
        self.assertEqual(decoded(photo.content).size, (64, 48))

    def test_content_type_and_extension_are_not_trusted(self):
        photo = process_photo(upload("whatever.exe", image_bytes("PNG"), "application/octet-stream"))
        self.assertEqual(decoded(photo.content).format, "JPEG")

    def test_ensure_processed_passes_a_processed_photo_through(self):
        photo = process_photo(upload())
        self.assertIs(ensure_processed(photo), photo)
        self.assertIsInstance(ensure_processed(upload()), ProcessedPhoto)
