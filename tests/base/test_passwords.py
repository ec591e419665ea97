from django.core.exceptions import ValidationError
from django.test import SimpleTestCase

from base.passwords import CharacterClassValidator, MinimumLengthValidator, character_classes


class CharacterClassValidatorTests(SimpleTestCase):
    def test_classes_are_counted(self):
        cases = {
            "abcdefgh": {"lower"},
            "ABCdef12": {"lower", "upper", "digit"},
            "abc-1234": {"lower", "digit", "symbol"},
            "民族团结abc1": {"lower", "digit", "symbol"},
            "ab cd": {"lower"},  # a space is no class of its own
        }
        for password, classes in cases.items():
            with self.subTest(password=password):
                self.assertEqual(character_classes(password), classes)

    def test_three_of_four_classes_pass(self):
        validator = CharacterClassValidator(min_classes=3)
        for password in ("Abcdefg1", "abcdef-1", "ABCDEF-1", "Abcdefg-"):
            with self.subTest(password=password):
                validator.validate(password)

    def test_two_classes_are_refused_with_a_chinese_message(self):
        validator = CharacterClassValidator(min_classes=3)
        for password in ("abcdefgh", "abcd1234", "ABCDabcd", "12345678!"):
            with self.subTest(password=password), self.assertRaisesMessage(ValidationError, "至少 3 类"):
                validator.validate(password)


class MinimumLengthValidatorTests(SimpleTestCase):
    def test_seven_characters_are_refused_in_chinese_eight_pass(self):
        validator = MinimumLengthValidator(min_length=8)
        with self.assertRaisesMessage(ValidationError, "至少需要 8 个字符"):
            validator.validate("Ab1-xyz")
        validator.validate("Ab1-xyzw")
