"""Decks: the card model, the YAML loader, the parse cache and card identity.

``model`` (Card, DeckFile, CardKind); ``loader`` (load_decks: every deck, checks
across files) -> ``cache`` -> ``parse`` (one file) -> ``yamlread``, ``nodes``,
``sources`` (finding and reading files); ``duplicates`` (a key claimed in two
files); ``identity`` (history across edits, and which duplicate keeps its key);
``override`` (the user's copy of a bundled deck).
"""
