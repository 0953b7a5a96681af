"""Images in cards (issue 16): the study view shows `[image: alt] src`; the Anki
export puts local images into the package as media and keeps remote ones as links."""

from __future__ import annotations

import os

from conftest import write_deck
from pyflash.ui.app import make_app
from pyflash.ui.markdown import markdown_parser

IMAGES = """\
deck: Images
cards:
  - id: pic
    q: "What does a hash table look like? ![The buckets](img/buckets.png)"
    a: |
      Like this: ![Chaining](https://example.org/chain.png)
"""


def test_the_parser_turns_an_image_into_its_label_and_a_link():
    inline = markdown_parser().parse("See ![The  buckets](img/b.png) now")[1]
    kinds = [(t.type, t.content, t.attrGet("href")) for t in inline.children or []]
    assert kinds == [
        ("text", "See ", None),
        ("text", "[image: The buckets] ", None),
        ("link_open", "", "img/b.png"),
        ("text", "img/b.png", None),
        ("link_close", "", None),
        ("text", " now", None),
    ]


async def test_the_study_view_shows_an_image_as_its_alt_and_link(tmp_path, ws_factory):
    ws = ws_factory(write_deck(tmp_path / "decks", "images.yaml", IMAGES))
    app = make_app(ws, theme="textual-dark", animations=False, environ=os.environ)
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

        def text() -> str:
            return "\n".join(strip.text for strip in app.screen._compositor.render_strips())

        assert "[image: The buckets] img/buckets.png" in text()
        await pilot.press("space")
        for _ in range(20):
            await pilot.pause()
            if "[image: Chaining]" in text():
                break
        assert "[image: Chaining] https://example.org/chain.png" in text()
        assert "🖼" not in text()
