"""Which release of the code, templates and translations this process runs, for what it caches across releases."""

import functools
import hashlib
from pathlib import Path

from django.conf import settings

# What decides how a page looks: the templates and compiled translations by their content, the code by its files'
# sizes and times (a deployment writes the files it changes).
_CONTENT = (("templates", "*.html"), ("locale", "*.mo"))
_CODE = "*.py"


@functools.cache
def release():
    """Return a short identifier of the project's files as this process found them at its first call."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.md5(usedforsecurity=False)
    for folder, pattern in _CONTENT:
        for path in sorted((root / folder).rglob(pattern)):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    packages = [folder for folder in root.iterdir() if (folder / "__init__.py").exists() and folder.name != "tests"]
    for path in sorted(path for package in packages for path in package.rglob(_CODE)):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]
