"""Exporting pyflash decks to other tools. Never imports textual.

:func:`pyflash.export.anki.package.export_anki` writes an Anki package; the
``pyflash export`` command lives in :mod:`pyflash.export.command`.
"""
