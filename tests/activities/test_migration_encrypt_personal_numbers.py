"""Tests of the data migration activities 0013: existing plain numbers are encrypted and hashed, and back."""

import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection
from django.test import TestCase

from activities.models import Petition
from base.encryption import lookup_hash
from communities.choices import JurisdictionLevel
from tests.activities.factories_petitions import ID_WITH_X, make_petition
from tests.base.test_fields import raw_row
from tests.factories import make_jurisdiction

migration = importlib.import_module("activities.migrations.0013_privacy_encrypt_personal_numbers")
PHONE = "13812345678"


class EncryptMigrationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        community = make_jurisdiction("碧海社区", JurisdictionLevel.COMMUNITY, code="520115001001")
        cls.petition = make_petition(community, petitioner_id_number=ID_WITH_X, petitioner_phone=PHONE)
        cls.blank = make_petition(community, petitioner_id_number="", petitioner_phone="")

    def test_plain_rows_are_encrypted_then_decrypted_back(self):
        editor = SimpleNamespace(connection=connection)
        migration.decrypt_rows(apps, editor)
        self.assertEqual(raw_row(self.petition.pk), (PHONE, ID_WITH_X, ""))
        self.assertEqual(raw_row(self.blank.pk), ("", "", ""))

        migration.encrypt_rows(apps, editor)
        phone, id_number, digest = raw_row(self.petition.pk)
        self.assertTrue(phone.startswith("gAAAAA") and id_number.startswith("gAAAAA"))
        self.assertEqual(digest, lookup_hash(ID_WITH_X))
        self.assertEqual(raw_row(self.blank.pk), ("", "", ""))
        self.assertEqual(Petition.objects.get(pk=self.petition.pk).petitioner_id_number, ID_WITH_X)

        # Running it again leaves the tokens alone (no double encryption).
        migration.encrypt_rows(apps, editor)
        self.assertEqual(raw_row(self.petition.pk)[1], id_number)
        self.assertEqual(list(Petition.objects.with_id_number(ID_WITH_X)), [self.petition])
