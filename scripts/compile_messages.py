"""Compile every locale/*/LC_MESSAGES/*.po into its .mo with polib, so no system gettext is needed."""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main():
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        catalogue = polib.pofile(str(po_path))
        catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        print(f"{po_path.relative_to(ROOT)}: {len(catalogue.translated_entries())} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
