"""Re-encrypt every encrypted field under the first key of DJANGO_FIELD_KEY: python manage.py rotate_field_key

Rotation: put the new key first (DJANGO_FIELD_KEY=NEW,OLD), restart, run this command, then drop OLD. Until the
command has run, rows under OLD still decrypt and are still found by their lookup hash. `--check` changes
nothing: it counts the rows that still need an older key, and exits 1 if there are any.
"""

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from base.encryption import decrypts_with_primary, lookup_hash
from base.fields import EncryptedTextField, LookupHashField, encrypted_fields

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt every encrypted personal field under the first DJANGO_FIELD_KEY key and refresh lookup hashes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="只检查：统计仍需旧密钥的行数，有则退出码为 1，不做修改"
        )

    def handle(self, *args, check, **options):
        if check:
            self._check()
            return
        total = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if not fields:
                continue
            count = self._rotate(model, fields)
            total += count
            self.stdout.write(_("%(model)s：已重新加密 %(n)d 行。") % {"model": model._meta.label, "n": count})
        self.stdout.write(self.style.SUCCESS(_("完成：共重新加密 %(n)d 行。") % {"n": total}))

    def _check(self):
        stale = 0
        for model in apps.get_models():
            fields = encrypted_fields(model)
            if not fields:
                continue
            plain = [f for f in fields if isinstance(f, EncryptedTextField)]
            hashes = [f for f in fields if isinstance(f, LookupHashField)]
            for obj in model._base_manager.only("pk", *(f.name for f in fields)).iterator(chunk_size=BATCH):
                old_token = any(
                    (value := getattr(obj, f.attname)) and not decrypts_with_primary(value.token) for f in plain
                )
                old_hash = any(getattr(obj, f.attname) != lookup_hash(getattr(obj, f.source)) for f in hashes)
                stale += old_token or old_hash
        if stale:
            raise CommandError(
                _("有 %(n)d 行仍需旧密钥：请运行 python manage.py rotate_field_key 后再移除旧密钥。") % {"n": stale}
            )
        self.stdout.write(self.style.SUCCESS(_("所有行均已使用第一个密钥加密，可以移除旧密钥。")))

    @transaction.atomic
    def _rotate(self, model, fields):
        # Loading decrypts under any listed key; bulk_update writes through the fields, so under the first key.
        # bulk_update skips pre_save, which leaves updated_at alone and means the hashes are refreshed here.
        names = [f.name for f in fields]
        hashes = [f for f in fields if isinstance(f, LookupHashField)]
        plain = [f.name for f in fields if isinstance(f, EncryptedTextField)]
        count, last = 0, None
        rows = model._base_manager.only("pk", *plain).order_by("pk")
        while True:
            # Batches by key range: never an open cursor over the rows being rewritten.
            batch = list((rows if last is None else rows.filter(pk__gt=last))[:BATCH])
            if not batch:
                return count
            for obj in batch:
                for name in plain:
                    # Plain str, not the DecryptedText that would write its old token back.
                    value = getattr(obj, name)
                    setattr(obj, name, None if value is None else str(value))
                for field in hashes:
                    setattr(obj, field.attname, lookup_hash(getattr(obj, field.source)))
            model._base_manager.bulk_update(batch, names)
            count += len(batch)
            last = batch[-1].pk
