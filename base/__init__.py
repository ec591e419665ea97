"""Shared building blocks of the apps; this package imports no app."""
