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


def _from_markup(keys: str, description: str, key: str, enabled: bool) -> object:
    """How the entry was built before: from markup (the bar's Content must stay exactly this)."""
    from textual.content import Content
    from textual.markup import escape

    dim = "" if enabled else " 50%"
    action = f"app.simulate_key({key!r})"
    return Content.from_markup(
        f"[@click={escape(action)}][{STYLES[0]}{dim}] $keys [/][{STYLES[1]}{dim}]$description [/][/]",
        keys=keys,
        description=description,
    )


def test_an_entry_is_the_content_its_markup_gives():
    """Built directly (no markup parsing before the first card), for every key any screen shows."""
    from pyflash.ui.app import PyflashApp

    app = PyflashApp.__new__(PyflashApp)
    sections = PyflashApp.help_sections(app)
    entries = {("^p", "palette", "ctrl+p"), ("012345", "Grade", "0"), ("?", "Keys", "question_mark"), ("[", "a [b]", "'")}
    for section in sections:
        for binding in section.bindings:
            if getattr(binding, "description", None):
                entries.add((binding.key, binding.description, binding.key))
    assert len(entries) > 20
    for keys, description, key in entries:
        for enabled in (True, False):
            built = KeyBar._entry(keys, description, key, enabled, *STYLES)
            expected = _from_markup(keys, description, key, enabled)
            assert (built.plain, list(built.spans)) == (expected.plain, list(expected.spans)), (keys, key)
