"""Keep an uploaded file between its preview and its confirmation.

Every import page works the same way: the upload is written under MEDIA_ROOT/staging/ with a random name,
checked and previewed; the session remembers it under a key of the page's choosing; confirming reads it
again and removes it, and so do cancelling, a refusal and a new upload. Only the random token goes to the
browser, and paths are rebuilt from checked parts, so no request can name another file. A preview left open
is removed after a day, by the next upload or by `manage.py purge_staged_uploads`.

A file refused for its errors, at the preview or at the confirmation, is announced by the `import_refused`
signal: the audit trail keeps failures too (等保), and base/ may not import the app that writes it.
"""

import contextlib
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.dispatch import Signal

from .spreadsheets import SUPPORTED_EXTENSIONS, extension_of

STAGING_DIR = "staging"
# A preview left open longer than this is abandoned.
MAX_AGE_SECONDS = 24 * 3600


@dataclass
class StagedUpload:
    """An uploaded file waiting for confirmation, and what the page needs to read it again."""

    token: str
    ext: str
    filename: str
    extra: dict = field(default_factory=dict)

    @property
    def path(self):
        return staged_path(self.token, self.ext)

    def exists(self):
        return self.path.is_file()

    def discard(self):
        self.path.unlink(missing_ok=True)


def staging_dir():
    return Path(settings.MEDIA_ROOT) / STAGING_DIR


def max_age_seconds():
    return getattr(settings, "STAGED_UPLOAD_MAX_AGE", MAX_AGE_SECONDS)


def staged_path(token, ext):
    """Return the path of a staged file, rebuilt from checked parts so no session value can point elsewhere."""
    token = uuid.UUID(hex=token).hex
    ext = ext if ext in SUPPORTED_EXTENSIONS else ""
    return staging_dir() / f"{token}{ext}"


def stage_upload(upload, **extra):
    """Write `upload` under the staging folder with a random name and return it as a StagedUpload."""
    directory = staging_dir()
    directory.mkdir(parents=True, exist_ok=True)
    purge_staged_uploads()
    staged = StagedUpload(uuid.uuid4().hex, extension_of(upload.name), Path(upload.name).name, dict(extra))
    with staged.path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return staged


def purge_staged_uploads(*, max_age=None, now=None):
    """Remove staged files older than `max_age` seconds (a day by default); return how many were removed."""
    directory = staging_dir()
    if not directory.is_dir():
        return 0
    cutoff = (now or time.time()) - (max_age_seconds() if max_age is None else max_age)
    removed = 0
    for path in directory.iterdir():
        with contextlib.suppress(FileNotFoundError):
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
    return removed


# Sent when an import page refuses a file for its errors, with `request`, `user`, `key` (the page's session key),
# `filename`, `errors` (how many), `first_issue` (an ImportIssue or None: its row and column, never a cell value
# should be kept), `what` (the page's name for its imports, e.g. 人口导入) and `place` (the target jurisdiction
# when the page knows it, else None). communities.receivers writes the audit row.
import_refused = Signal()


def _issue_count(plan):
    issues = getattr(plan, "issues", ())
    return getattr(issues, "total", None) or len(issues)


def announce_refusal(request, key, filename, plan, *, what="", place=None):
    """Send `import_refused` for `plan`, refused for its issues; `place` may be a callable taking the plan."""
    if callable(place):
        place = place(plan)
    import_refused.send(
        sender=key,
        request=request,
        user=getattr(request, "user", None),
        key=key,
        filename=filename,
        errors=_issue_count(plan),
        first_issue=next(iter(getattr(plan, "issues", ())), None),
        what=what,
        place=place,
    )


def _refused(plan):
    return plan is not None and not getattr(plan, "is_valid", True)


# The session side: one staged upload per page key.


def remember(request, key, staged):
    """Keep `staged` in the session under `key`, discarding what else was staged there before."""
    previous = request.session.get(key)
    if not (isinstance(previous, dict) and previous.get("token") == staged.token):
        forget(request, key)
    request.session[key] = asdict(staged)


def recall(request, key, *, token=None, **expected):
    """Return the StagedUpload kept under `key` if its file is still there and it matches, else None.

    `token` (from the confirming form) must be the staged one, so a preview from another tab is not
    confirmed; `expected` values (a plan's id) must equal what was staged with the file.
    """
    data = request.session.get(key)
    if not isinstance(data, dict):
        return None
    try:
        staged = StagedUpload(**data)
        staged_path(staged.token, staged.ext)
    except (TypeError, ValueError, AttributeError):
        return None
    if token is not None and token != staged.token:
        return None
    if any(staged.extra.get(name) != value for name, value in expected.items()):
        return None
    return staged if staged.exists() else None


def forget(request, key):
    """Drop what is staged under `key`, file and session entry."""
    data = request.session.pop(key, None)
    if isinstance(data, dict):
        # A session from an older version of a page may hold something else; there is nothing to delete then.
        with contextlib.suppress(TypeError, ValueError, AttributeError):
            StagedUpload(**data).discard()


# The whole flow, the same for every import page.


def preview_upload(request, key, upload, read, *, worth_keeping, what="", place=None, **extra):
    """Stage `upload`, read it with `read(staged)` and keep it for confirmation only when `worth_keeping(plan)`.

    Return (plan, staged); staged is None when the file was refused or has nothing to write, and is then
    already removed. Whatever was staged under `key` before is discarded first. A plan with issues is announced
    (`import_refused`) with `what` and `place` (a jurisdiction, or a callable taking the plan).
    """
    forget(request, key)
    staged = stage_upload(upload, **extra)
    try:
        plan = read(staged)
    except BaseException:
        staged.discard()
        raise
    if _refused(plan):
        announce_refusal(request, key, staged.filename, plan, what=what, place=place)
    if worth_keeping(plan):
        remember(request, key, staged)
        return plan, staged
    staged.discard()
    return plan, None


def confirm_staged(request, key, read, apply, *, token=None, what="", place=None, **expected):
    """Read the file staged under `key` again and `apply` its plan when it still has no issues.

    Return (plan, result): plan is None when nothing matching is staged (expired, another tab, confirmed
    already), result is None when the plan now has issues (announced as in `preview_upload`). The staged file
    is removed in every case.
    """
    staged = recall(request, key, token=token, **expected)
    if staged is None:
        forget(request, key)
        return None, None
    try:
        plan = read(staged)
        result = apply(plan) if plan.is_valid else None
    finally:
        forget(request, key)
    if _refused(plan):
        announce_refusal(request, key, staged.filename, plan, what=what, place=place)
    return plan, result
