"""Writes of the activities app, one module per area; each write is atomic, validated and audited."""
