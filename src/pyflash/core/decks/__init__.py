"""Decks: the card model, the YAML loader, the parse cache and card identity."""
