"""The key bar builds each entry once (a faster first card), and the cache keeps entries apart."""

from __future__ import annotations

from pyflash.ui.keybar import KeyBar

STYLES = ("bold $footer-key-foreground", "$footer-description-foreground")


def test_an_entry_is_built_once_and_kept_apart_from_other_entries():
    first = KeyBar._entry("space", "Answer", "space", True, *STYLES)
    assert KeyBar._entry("space", "Answer", "space", True, *STYLES) is first  # cached: not built again
    dimmed = KeyBar._entry("space", "Answer", "space", False, *STYLES)
    assert dimmed is not first and dimmed.plain == first.plain == " space Answer "
    assert KeyBar._entry("u", "Undo", "u", True, *STYLES).plain == " u Undo "
