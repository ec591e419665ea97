"""Shared building blocks the apps use; this package imports no app."""
