"""django-import-export resources: the admin's exports. Imports go through communities.importers."""

from import_export import fields, resources
from import_export.formats import base_formats
from import_export.widgets import ForeignKeyWidget

from base.exports import Sheet, xlsx_bytes

from .models import Jurisdiction


class SafeXLSX(base_formats.XLSX):
    """The admin's .xlsx, written by the site's one Excel writer, so a name cannot become a formula there either.

    It is the admin's only export format: a CSV cannot mark a cell as text, so Excel would run `=…` in it.
    """

    def export_data(self, dataset, **kwargs):
        return xlsx_bytes([Sheet(title=dataset.title or "Sheet1", headers=dataset.headers or [], rows=list(dataset))])


class JurisdictionResource(resources.ModelResource):
    """Export the tree as import_jurisdictions reads it: 代码, 名称, 级别, 上级代码."""

    code = fields.Field(attribute="code", column_name="代码")
    name = fields.Field(attribute="name", column_name="名称")
    level = fields.Field(attribute="level", column_name="级别")
    parent = fields.Field(attribute="parent", column_name="上级代码", widget=ForeignKeyWidget(Jurisdiction, "code"))

    class Meta:
        model = Jurisdiction
        fields = ("code", "name", "level", "parent")
        export_order = ("code", "name", "level", "parent")

    def dehydrate_level(self, jurisdiction):
        return jurisdiction.get_level_display()

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset, **kwargs).select_related("parent")
