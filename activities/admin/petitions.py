"""Admin for petitions."""
