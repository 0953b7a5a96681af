"""Images in cards (issue 16): the study view shows `[image: alt] src`; the Anki
export puts local images into the package as media and keeps remote ones as links."""

from __future__ import annotations

import os
from pathlib import Path

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


# --------------------------------------------------------------------------
# The Anki export

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c63f8cfc0f01f0005000201e2ee6a8e0000000049454e44ae426082"
)

ANKI_DECK = """\
deck: Pictures
cards:
  - id: local-pic
    q: "Which structure is this? ![The buckets](img/buckets.png)"
    a: "A hash table. Also ![same file](./img/buckets.png)"
  - id: remote-pic
    q: Where is the chaining picture?
    a: "Here: ![Chaining](https://example.org/chain.png)"
  - id: missing-pic
    q: And this one?
    a: "![Gone](img/missing.png)"
"""


def test_anki_export_packs_local_images_and_links_remote_ones(tmp_path):
    import zipfile

    from test_export_anki import export_folder, import_package, new_collection, notes_by_key

    decks = tmp_path / "decks"
    write_deck(decks, "pictures.yaml", ANKI_DECK)
    (decks / "img").mkdir()
    (decks / "img" / "buckets.png").write_bytes(PNG)
    out = tmp_path / "pictures.apkg"
    _, done = export_folder(decks, out, tmp_path / "state")
    assert any("img/missing.png not found" in w and "pictures.yaml" in w for w in done.warnings)

    with zipfile.ZipFile(out) as zf:
        import json

        index = json.loads(zf.read("media"))
        assert len(index) == 1  # the same file twice is stored once
        (name,) = index.values()
        assert name.startswith("pyflash-") and name.endswith(".png")
        assert zf.read(next(iter(index))) == PNG

    col = new_collection(tmp_path / "anki")
    try:
        import_package(col, out)
        notes = notes_by_key(col)
        local = notes["local-pic"]
        assert f'<img src="{name}" alt="The buckets">' in local["Question"]
        assert f'<img src="{name}" alt="same file">' in local["Answer"]
        assert (Path(col.media.dir()) / name).read_bytes() == PNG
        remote = notes["remote-pic"]["Answer"]
        assert '<a href="https://example.org/chain.png">[image: Chaining]</a>' in remote
        assert "<img" not in remote
        assert "[image: Gone] img/missing.png" in notes["missing-pic"]["Answer"]
        assert col.media.check().missing == []  # Anki finds every picture a note refers to
    finally:
        col.close()

    # the same decks give the same package
    again = tmp_path / "again.apkg"
    export_folder(decks, again, tmp_path / "state")
    with zipfile.ZipFile(out) as a, zipfile.ZipFile(again) as b:
        assert {n: a.read(n) for n in a.namelist() if n != "collection.anki2"} == {
            n: b.read(n) for n in b.namelist() if n != "collection.anki2"
        }
