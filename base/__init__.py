"""Shared building blocks the apps use: access, audit, periods, lists and exports, spreadsheets, staging.

This package imports no app (import-linter holds it to that): the arrows point from the apps to it.
"""
