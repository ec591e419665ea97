"""Imports of spreadsheets: the census (population by ethnic group) and the jurisdiction tree."""
