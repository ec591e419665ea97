"""Admin building blocks shared by the apps."""

from django.db.models.constants import LOOKUP_SEP

from .fields import encrypted_fields


class PersonalDataAdminMixin:
    """Refuse every changelist lookup on personal fields, so a URL cannot probe them character by character.

    Django allows any lookup on a model's own fields in the changelist's query string (`?x__startswith=5`); on
    the fields named here, on encrypted fields and on their lookup hashes the admin answers 400 instead
    (DisallowedModelAdminLookup). Keep these fields out of `search_fields` and `list_filter` too.
    """

    personal_fields = ()

    def protected_lookup_fields(self):
        return {*self.personal_fields, *(f.name for f in encrypted_fields(self.model))}

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split(LOOKUP_SEP)[0] in self.protected_lookup_fields():
            return False
        return super().lookup_allowed(lookup, value, request)
