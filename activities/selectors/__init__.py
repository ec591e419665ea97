"""Reads of the activities app for pages, dashboards, JSON and reports; one module per area."""
