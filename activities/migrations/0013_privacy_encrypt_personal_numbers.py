"""Encrypt petitioners' phone and ID numbers at rest and add the ID number's keyed lookup hash.

The rows are rewritten with raw SQL: the historical model's fields would try to decrypt the plain text they hold.
"""

from django.db import migrations

import activities.identity
import base.fields
from base.encryption import decrypt, encrypt, is_token, lookup_hash

BATCH = 1000


def _rewrite(apps, schema_editor, convert):
    connection = schema_editor.connection
    table = connection.ops.quote_name(apps.get_model("activities", "Petition")._meta.db_table)
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(
                f"SELECT id, petitioner_phone, petitioner_id_number FROM {table} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608 (a quoted table name)
                [last, BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            for pk, phone, id_number in rows:
                cursor.execute(
                    f"UPDATE {table} SET petitioner_phone = %s, petitioner_id_number = %s, "  # noqa: S608
                    "petitioner_id_number_hash = %s WHERE id = %s",
                    [*convert(phone or "", id_number or ""), pk],
                )
            last = rows[-1][0]


def _encrypted(phone, id_number):
    plain_id = decrypt(id_number) if is_token(id_number) else id_number
    return (
        encrypt(phone) if phone and not is_token(phone) else phone,
        encrypt(id_number) if id_number and not is_token(id_number) else id_number,
        lookup_hash(plain_id),
    )


def _plain(phone, id_number):
    return (decrypt(phone) if is_token(phone) else phone, decrypt(id_number) if is_token(id_number) else id_number, "")


def encrypt_rows(apps, schema_editor):
    _rewrite(apps, schema_editor, _encrypted)


def decrypt_rows(apps, schema_editor):
    _rewrite(apps, schema_editor, _plain)


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0012_monthly_yearly_values"),
    ]

    operations = [
        migrations.AddField(
            model_name="petition",
            name="petitioner_id_number_hash",
            field=base.fields.LookupHashField(source="petitioner_id_number", verbose_name="身份证号码查询散列"),
        ),
        migrations.AlterField(
            model_name="petition",
            name="petitioner_id_number",
            field=base.fields.EncryptedTextField(
                blank=True,
                max_length=18,
                validators=[activities.identity.validate_resident_id],
                verbose_name="身份证号码",
            ),
        ),
        migrations.AlterField(
            model_name="petition",
            name="petitioner_phone",
            field=base.fields.EncryptedTextField(blank=True, max_length=20, verbose_name="联系电话"),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
    ]
