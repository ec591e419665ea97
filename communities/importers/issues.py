"""What an import says about a bad cell: where it is and how to fix it."""

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class ImportIssue:
    """One problem in an import file, at a 1-based spreadsheet row and a column header (None: the whole file)."""

    row: int | None
    column: str
    message: str

    def __str__(self):
        if self.row is None:
            return _("[%(column)s]：%(message)s") % {"column": self.column or _("文件"), "message": self.message}
        return _("第%(row)s行 [%(column)s]：%(message)s") % {
            "row": self.row,
            "column": self.column or _("整行"),
            "message": self.message,
        }


def sorted_issues(issues):
    """Return `issues` in reading order: whole-file problems first, then by row."""
    return sorted(issues, key=lambda issue: issue.row or 0)
