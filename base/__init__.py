"""Shared building blocks that import no app of the project."""
