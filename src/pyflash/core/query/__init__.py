"""Queries over decks and the review log: search (and, later, stats)."""
