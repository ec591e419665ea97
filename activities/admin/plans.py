"""Admin for plans."""
