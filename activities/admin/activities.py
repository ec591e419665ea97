"""Admin for activities."""
