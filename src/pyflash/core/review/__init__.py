"""Reviewing: the SQLite review store and the study session over it."""
