"""What an import says about a bad cell, and the list that keeps the first few hundred of them."""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


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


def _reading_order(issue):
    return issue.row or 0


class IssueList:
    """The issues of one file: every one counted, the first `limit` in reading order kept to be shown.

    A hostile or badly broken file can hold an error in every cell; keeping them all would cost the memory and
    the page the limits are there to protect. It behaves as a list of the kept issues for iteration, while
    `len()` and `total` count all of them and `hidden` says how many were not kept.
    """

    def __init__(self, issues=(), *, limit=200):
        self.limit = limit
        self.total = 0
        self._kept = []
        self._sorted = True
        self.extend(issues)

    def append(self, issue):
        self.total += 1
        self._kept.append(issue)
        self._sorted = False
        # Trim now and then rather than on each append: a stable sort keeps the earliest rows, in file order.
        if len(self._kept) >= 2 * self.limit:
            self._trim()

    def extend(self, issues):
        for issue in issues:
            self.append(issue)

    def _trim(self):
        if not self._sorted:
            self._kept.sort(key=_reading_order)
            self._sorted = True
        del self._kept[self.limit :]

    @property
    def shown(self):
        """Return the kept issues: whole-file problems first, then by row."""
        self._trim()
        return list(self._kept)

    @property
    def hidden(self):
        return self.total - min(self.total, self.limit)

    def __iter__(self):
        return iter(self.shown)

    def __getitem__(self, index):
        return self.shown[index]

    def __len__(self):
        return self.total

    def __bool__(self):
        return self.total > 0

    def __eq__(self, other):
        if isinstance(other, IssueList):
            return self.total == other.total and self.shown == other.shown
        if isinstance(other, list | tuple):
            return self.hidden == 0 and self.shown == list(other)
        return NotImplemented

    __hash__ = None

    def __repr__(self):
        return f"IssueList(total={self.total}, shown={self.shown!r})"


def sorted_issues(issues, *, limit=None):
    """Return `issues` as an IssueList in reading order: whole-file problems first, then by row."""
    if isinstance(issues, IssueList):
        return issues
    from .limits import current_limits

    return IssueList(issues, limit=limit or current_limits().max_errors)


def write_issues(stream, issues):
    """Write each listed issue on its own line, then how many more there are (for the management commands)."""
    for issue in issues:
        stream.write(str(issue))
    hidden = getattr(issues, "hidden", 0)
    if hidden:
        message = ngettext(
            "只列出前 %(shown)s 处错误，另有 %(n)s 处未列出。",
            "只列出前 %(shown)s 处错误，另有 %(n)s 处未列出。",
            hidden,
        )
        stream.write(message % {"shown": issues.limit, "n": hidden})
