"""``pyflash import-anki``: Anki packages (.apkg, .colpkg) to YAML decks, optionally with history.

* :mod:`~pyflash.importer.anki.reader`: the package, read with the ``anki`` package, as plain records;
* :mod:`~pyflash.importer.anki.convert`: notes to cards (fields by note type, HTML to Markdown, ids);
* :mod:`~pyflash.importer.anki.writer`: one YAML deck per Anki deck, checked to load back exactly;
* :mod:`~pyflash.importer.anki.command`: the command (``import_anki``, ``report_lines``).

See docs/import-anki.md. Importing this package does not import ``anki``: the
reader imports it when a package is read, with a clear error when it is missing.
"""

from __future__ import annotations
