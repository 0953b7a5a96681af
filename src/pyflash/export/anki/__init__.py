"""Anki interchange: the note type and the .apkg writer (and, later, the reader)."""
