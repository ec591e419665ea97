#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unity.settings")
    from django.core.management import execute_from_command_line

    if sys.argv[1:2] == ["runserver"]:
        import django

        django.setup()
        from unity.startup import ensure_production_keys

        ensure_production_keys()
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
