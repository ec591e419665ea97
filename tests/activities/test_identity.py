"""Tests of activities/identity.py: GB 11643 resident ID validation and masking."""

from django.core.exceptions import ValidationError
from django.test import SimpleTestCase

from activities.identity import check_digit, mask_name, mask_phone, mask_resident_id, validate_resident_id
from tests.activities.factories_petitions import ID_DIGIT, ID_OTHER, ID_WITH_X


class ResidentIdTests(SimpleTestCase):
    def test_check_digit_of_known_numbers(self):
        # 11010519491231002X is the example of GB 11643-1999 itself.
        self.assertEqual(check_digit("11010519491231002"), "X")
        self.assertEqual(check_digit("52010219800101123"), "5")

    def test_good_numbers_pass(self):
        for number in (ID_WITH_X, ID_DIGIT, ID_OTHER, ID_WITH_X.lower(), f" {ID_DIGIT} ", ""):
            with self.subTest(number=number):
                validate_resident_id(number)

    def test_wrong_length(self):
        for number, n in ((ID_DIGIT[:17], 17), (ID_DIGIT + "1", 19), ("52010219800101", 14)):
            with self.subTest(number=number), self.assertRaisesMessage(ValidationError, f"当前为{n}位"):
                validate_resident_id(number)

    def test_wrong_check_digit(self):
        for number in (ID_WITH_X[:-1] + "0", ID_DIGIT[:-1] + "X", ID_DIGIT[:-1] + "6"):
            with self.subTest(number=number), self.assertRaisesMessage(ValidationError, "校验位不正确"):
                validate_resident_id(number)

    def test_letters_in_the_body(self):
        with self.assertRaisesMessage(ValidationError, "前17位应为数字"):
            validate_resident_id("5201021980010A1235")
        with self.assertRaisesMessage(ValidationError, "前17位应为数字"):
            validate_resident_id("52010219800101123Y")


class MaskingTests(SimpleTestCase):
    def test_resident_id(self):
        self.assertEqual(mask_resident_id(ID_WITH_X), "5201**********123X")
        self.assertEqual(mask_resident_id(""), "")
        self.assertEqual(mask_resident_id("1234"), "****")

    def test_phone(self):
        self.assertEqual(mask_phone("13812345678"), "138****5678")
        self.assertEqual(mask_phone("0851-86801234"), "085******1234")
        self.assertEqual(mask_phone("12345"), "12***")
        self.assertEqual(mask_phone(""), "")

    def test_name(self):
        self.assertEqual(mask_name("张三丰"), "张**")
        self.assertEqual(mask_name("欧阳"), "欧*")
        self.assertEqual(mask_name(""), "")
