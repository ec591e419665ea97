"""Admin for monthly."""
