"""Tests of base/fields.py and base/encryption.py on petitions: ciphertext at rest, exact lookup by keyed hash only,
rotation, a wrong key, and dumps that hold no number in plain text."""

import json
import tempfile
from io import StringIO
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import TestCase, override_settings

from activities.models import Petition
from base.encryption import FieldKeyError, lookup_hash, parse_keys
from communities.choices import JurisdictionLevel
from tests.activities.factories_petitions import ID_DIGIT, ID_OTHER, ID_WITH_X, make_petition
from tests.factories import make_jurisdiction

PHONE = "13812345678"
NEW_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()


def raw_row(pk):
    """Read the stored columns with SQL, bypassing the fields."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT petitioner_phone, petitioner_id_number, petitioner_id_number_hash FROM activities_petition "
            "WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()


def raw_table_text():
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM activities_petition")
        return repr(cursor.fetchall())


class PetitionWorld(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, code="520115001001")
        cls.petition = make_petition(cls.community, petitioner_id_number=ID_WITH_X, petitioner_phone=PHONE)
        cls.other = make_petition(cls.community, petitioner_id_number=ID_DIGIT, petitioner_phone="13900001111")
        cls.blank = make_petition(cls.community, petitioner_id_number="", petitioner_phone="")


class EncryptedAtRestTests(PetitionWorld):
    def test_columns_hold_tokens_and_python_sees_plain_text(self):
        phone, id_number, digest = raw_row(self.petition.pk)
        self.assertTrue(phone.startswith("gAAAAA"))
        self.assertTrue(id_number.startswith("gAAAAA"))
        self.assertNotIn(ID_WITH_X, id_number)
        self.assertEqual(digest, lookup_hash(ID_WITH_X))
        self.assertEqual(len(digest), 64)
        fresh = Petition.objects.get(pk=self.petition.pk)
        self.assertEqual((fresh.petitioner_phone, fresh.petitioner_id_number), (PHONE, ID_WITH_X))
        self.assertEqual(fresh.petitioner_id_number_masked, "5201**********123X")

    def test_blank_stays_blank_and_can_be_filtered(self):
        self.assertEqual(raw_row(self.blank.pk), ("", "", ""))
        self.assertEqual(list(Petition.objects.filter(petitioner_id_number="")), [self.blank])

    def test_raw_sql_read_of_the_table_holds_no_number_in_plain_text(self):
        text = raw_table_text()
        for secret in (ID_WITH_X, ID_DIGIT, PHONE, "13900001111", ID_WITH_X[:6] + ID_WITH_X[6:14]):
            self.assertNotIn(secret, text)

    def test_dumpdata_holds_no_number_and_loaddata_reads_it_back(self):
        out = StringIO()
        call_command("dumpdata", "activities.petition", stdout=out)
        text = out.getvalue()
        for secret in (ID_WITH_X, ID_DIGIT, PHONE, "13900001111"):
            self.assertNotIn(secret, text)
        rows = {row["pk"]: row["fields"] for row in json.loads(text)}
        self.assertTrue(rows[self.petition.pk]["petitioner_id_number"].startswith("gAAAAA"))
        Petition.objects.all().delete()
        fixture = Path(self.enterContext(tempfile.TemporaryDirectory())) / "petitions.json"
        fixture.write_text(text, encoding="utf-8")
        call_command("loaddata", fixture, verbosity=0)
        self.assertEqual(Petition.objects.get(pk=self.petition.pk).petitioner_id_number, ID_WITH_X)
        self.assertEqual(Petition.objects.with_id_number(ID_DIGIT).get(), self.other)

    def test_updating_the_number_refreshes_the_hash_even_with_update_fields(self):
        self.petition.petitioner_id_number = ID_OTHER
        self.petition.save(update_fields=["petitioner_id_number"])
        self.assertEqual(raw_row(self.petition.pk)[2], lookup_hash(ID_OTHER))
        self.assertEqual(list(Petition.objects.with_id_number(ID_OTHER)), [self.petition])
        self.assertFalse(Petition.objects.with_id_number(ID_WITH_X).exists())


class LookupTests(PetitionWorld):
    def test_exact_lookup_by_hash_finds_only_that_number(self):
        self.assertEqual(list(Petition.objects.with_id_number(ID_WITH_X)), [self.petition])
        self.assertEqual(list(Petition.objects.with_id_number(ID_WITH_X.lower() + " ")), [self.petition])
        self.assertFalse(Petition.objects.with_id_number(ID_OTHER).exists())
        self.assertFalse(Petition.objects.with_id_number("").exists())

    def test_no_prefix_substring_or_equality_lookup_on_the_encrypted_columns(self):
        for lookup, value in (
            ("petitioner_id_number__startswith", "5"),
            ("petitioner_id_number__contains", "1950"),
            ("petitioner_id_number__iexact", ID_WITH_X),
            ("petitioner_id_number__gt", "5"),
            ("petitioner_id_number__in", [ID_WITH_X]),
            ("petitioner_id_number", ID_WITH_X),
            ("petitioner_phone__startswith", "138"),
            ("petitioner_phone", PHONE),
            ("petitioner_id_number_hash__startswith", "a"),
        ):
            with self.subTest(lookup), self.assertRaises(FieldError):
                list(Petition.objects.filter(**{lookup: value}))


class RotationTests(PetitionWorld):
    def test_old_key_still_decrypts_until_rotated_and_rotation_re_encrypts_every_row(self):
        old_key = settings.FIELD_ENCRYPTION_KEYS[0]
        before = raw_row(self.petition.pk)
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, old_key]):
            # Not rotated yet: the rows are under the old key, still readable and still found.
            self.assertEqual(Petition.objects.get(pk=self.petition.pk).petitioner_id_number, ID_WITH_X)
            self.assertEqual(list(Petition.objects.with_id_number(ID_WITH_X)), [self.petition])
            with self.assertRaisesMessage(CommandError, "有 2 行仍需旧密钥"):
                call_command("rotate_field_key", "--check", stdout=StringIO())
            out = StringIO()
            call_command("rotate_field_key", stdout=out)
            self.assertIn("共重新加密 3 行", out.getvalue())
            call_command("rotate_field_key", "--check", stdout=out)
            self.assertIn("可以移除旧密钥", out.getvalue())
            after = raw_row(self.petition.pk)
            self.assertNotEqual(after[:2], before[:2])
            self.assertNotEqual(after[2], before[2])
            self.assertEqual(list(Petition.objects.with_id_number(ID_WITH_X)), [self.petition])
            self.assertEqual(raw_row(self.blank.pk), ("", "", ""))
        # Rotated: the new key alone reads every row; the old key alone reads none.
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY]):
            fresh = Petition.objects.get(pk=self.petition.pk)
            self.assertEqual((fresh.petitioner_phone, fresh.petitioner_id_number), (PHONE, ID_WITH_X))
            self.assertEqual(list(Petition.objects.with_id_number(ID_WITH_X)), [self.petition])
        with override_settings(FIELD_ENCRYPTION_KEYS=[old_key]), self.assertRaises(FieldKeyError):
            Petition.objects.get(pk=self.petition.pk)

    def test_rotation_leaves_updated_at_alone(self):
        stamp = Petition.objects.get(pk=self.petition.pk).updated_at
        with override_settings(FIELD_ENCRYPTION_KEYS=[NEW_KEY, *_current_keys()]):
            call_command("rotate_field_key", stdout=StringIO())
            self.assertEqual(Petition.objects.get(pk=self.petition.pk).updated_at, stamp)


class WrongKeyTests(PetitionWorld):
    def test_a_wrong_key_is_a_clear_error_not_garbage(self):
        with override_settings(FIELD_ENCRYPTION_KEYS=[OTHER_KEY]):
            with self.assertRaisesMessage(FieldKeyError, "cannot be decrypted with any key in DJANGO_FIELD_KEY"):
                Petition.objects.get(pk=self.petition.pk)
            # The hash under another key finds nothing rather than a wrong row.
            self.assertFalse(Petition.objects.with_id_number(ID_WITH_X).exists())

    def test_malformed_keys_are_refused(self):
        for text in ("not-a-key", NEW_KEY[:-4], f"{NEW_KEY},short"):
            with self.subTest(text), self.assertRaisesMessage(FieldKeyError, "32 bytes"):
                parse_keys(text)
        self.assertEqual(parse_keys(f" {NEW_KEY} , {OTHER_KEY} ,"), [NEW_KEY, OTHER_KEY])


def _current_keys():
    return list(settings.FIELD_ENCRYPTION_KEYS)
