"""pyflash import-anki: packages built here with the real ``anki`` package.

A collection gets Basic, Cloze and custom notes (some with code), reviews,
a suspended and a buried card; it is exported as .apkg and .colpkg and
imported. The bundled decks make the exact round trip: pyflash export, then
import-anki, gives every card back field for field, with its id.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from anki.collection import Collection, ExportAnkiPackageOptions
from anki.import_export_pb2 import ExportLimit

from conftest import ROOT, run_main
from pyflash.core.decks.loader import explicit_sources, load_decks

COMPARED = (
    "key", "id", "deck", "q", "a", "code", "lang", "output", "note", "tags", "source", "requires",
    "type_in", "accept", "lint", "cloze", "variant", "reverse",
)


def load(path: Path):
    result = load_decks(explicit_sources([str(path)]))
    assert not result.errors, result.errors[:3]
    return {c.key: c for c in result.cards}


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a digest of its bytes (to prove nothing changed)."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


# --------------------------------------------------------------------------
# A collection made with Anki


def answer(col, card_id: int, rating: int) -> None:

    card = col.get_card(card_id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=rating))


def make_collection(folder: Path) -> tuple[Collection, dict]:
    from anki.scheduler.v3 import CardAnswer

    folder.mkdir(parents=True, exist_ok=True)
    col = Collection(str(folder / "collection.anki2"))
    ids: dict = {}
    py = col.decks.id("Lang::Python")
    misc = col.decks.id("Misc")
    basic = col.models.by_name("Basic")
    note = col.new_note(basic)
    note["Front"] = "How do you <b>unzip</b> pairs?<pre><code class=\"language-python\">pairs = [(1, 'a'), (2, 'b')]</code></pre>"
    note["Back"] = "<div>Use <code>zip(*pairs)</code>:</div><pre>xs, ys = zip(*pairs)</pre>"
    note.tags = ["python", "builtins::zip"]
    col.add_note(note, py)
    ids["basic"] = note
    plain = col.new_note(basic)
    plain["Front"] = "Capital of France?"
    plain["Back"] = "Paris<br>(since 508)"
    col.add_note(plain, misc)
    ids["plain"] = plain
    for i in range(3):
        extra = col.new_note(basic)
        extra["Front"] = f"Question {i}"
        extra["Back"] = f"Answer {i}"
        col.add_note(extra, misc)
        ids[f"extra{i}"] = extra
    cloze = col.new_note(col.models.by_name("Cloze"))
    cloze["Text"] = "{{c1::Paris}} is the capital of {{c2::France::a country}}"
    cloze["Back Extra"] = "Geography"
    col.add_note(cloze, misc)
    ids["cloze"] = cloze
    # A custom note type with three fields.
    mm = col.models
    vocab = mm.new("Vocab")
    for name in ("Word", "Meaning", "Example"):
        mm.add_field(vocab, mm.new_field(name))
    tmpl = mm.new_template("Card 1")
    tmpl["qfmt"] = "{{Word}}"
    tmpl["afmt"] = "{{Meaning}}<br>{{Example}}"
    mm.add_template(vocab, tmpl)
    mm.add(vocab)
    word = col.new_note(mm.by_name("Vocab"))
    word["Word"] = "Hund"
    word["Meaning"] = "dog"
    word["Example"] = "<i>Der Hund bellt.</i>"
    col.add_note(word, py)
    ids["custom"] = word

    # Reviews: good until it graduates, then again good (a review card), one lapse on another.
    first = ids["basic"].cards()[0].id
    for rating in (CardAnswer.GOOD, CardAnswer.GOOD, CardAnswer.GOOD):
        answer(col, first, rating)
    second = ids["plain"].cards()[0].id
    for rating in (CardAnswer.EASY, CardAnswer.AGAIN, CardAnswer.HARD, CardAnswer.GOOD):
        answer(col, second, rating)
    susp = ids["extra0"].cards()[0].id
    answer(col, susp, CardAnswer.EASY)
    col.sched.suspend_cards([susp])
    buried = ids["extra1"].cards()[0].id
    answer(col, buried, CardAnswer.EASY)
    col.sched.bury_cards([buried])
    return col, ids


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("anki")
    col, ids = make_collection(folder / "col")
    apkg = folder / "deck.apkg"
    col.export_anki_package(
        out_path=str(apkg),
        options=ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=False),
        limit=ExportLimit(),
    )
    colpkg = folder / "all.colpkg"
    info = {
        "guids": {name: note.guid for name, note in ids.items()},
        "today": col.sched.today,
        "cards": {
            name: [
                (c.type, c.queue, c.due, c.ivl, c.factor) for c in (col.get_card(x.id) for x in note.cards())
            ]
            for name, note in ids.items()
        },
        "eases": {
            name: [row[0] for row in col.db.all("SELECT ease FROM revlog WHERE cid = ? ORDER BY id", note.cards()[0].id)]
            for name, note in ids.items()
        },
    }
    (folder / "media-probe.txt").write_text("x")
    col.media.add_file(str(folder / "media-probe.txt"))
    col.export_collection_package(str(colpkg), include_media=True, legacy=False)
    col.close()
    return {"apkg": apkg, "colpkg": colpkg, **info}


def by_guid(cards, guid_token: str):
    return [c for c in cards.values() if c.id and c.id.endswith(guid_token)]


@pytest.mark.parametrize("kind", ["apkg", "colpkg"])
def test_fields_by_note_type(packages, tmp_path, capsys, kind):
    out = tmp_path / "out"
    code, stdout, err = run_main(["import-anki", str(packages[kind]), "-o", str(out)], capsys)
    assert code == 0, err
    cards = load(out)
    # 5 basic + 2 cloze numbers + 1 custom
    assert len(cards) == 8
    assert sorted({c.deck for c in cards.values()}) == ["Lang::Python", "Misc"]
    assert sorted(p.name for p in out.iterdir()) == ["lang-python.yaml", "misc.yaml"]

    from pyflash.importer.anki.convert import note_token

    token = {name: note_token(g) for name, g in packages["guids"].items()}
    (zip_card,) = by_guid(cards, token["basic"])
    assert zip_card.q == "How do you **unzip** pairs?"
    assert zip_card.code == "pairs = [(1, 'a'), (2, 'b')]"
    assert zip_card.lang == "python"
    assert zip_card.a == "Use `zip(*pairs)`:\n\n```python\nxs, ys = zip(*pairs)\n```"
    assert zip_card.tags == ("builtins::zip", "python")  # Anki keeps tags sorted
    assert zip_card.deck == "Lang::Python"

    (paris,) = by_guid(cards, token["plain"])
    assert (paris.q, paris.a) == ("Capital of France?", "Paris\\\n(since 508)")

    clozes = sorted((c for c in cards.values() if c.id and c.id.endswith(token["cloze"])), key=lambda c: c.key)
    assert [c.key.rsplit("#", 1)[1] for c in clozes] == ["c1", "c2"]
    assert {c.cloze for c in clozes} == {"{{c1::Paris}} is the capital of {{c2::France::a country}}"}
    assert {c.note for c in clozes} == {"Geography"}
    assert (out / "misc.yaml").read_text(encoding="utf-8").count("cloze:") == 1  # one entry, two cards
    (hund,) = by_guid(cards, token["custom"])
    assert (hund.q, hund.a) == ("Hund", "dog\n\n*Der Hund bellt.*")
    assert "note type 'Vocab': q from its first field (Word), a from the rest (Meaning, Example)" in stdout
    assert "note type 'Cloze'" not in stdout  # the cloze key takes them as they are
    if kind == "colpkg":
        assert "media: 1 file(s) in the package, not copied" in stdout


def test_media_copied_only_with_media_option(packages, tmp_path, capsys):
    out, media = tmp_path / "out", tmp_path / "media"
    code, stdout, err = run_main(["import-anki", str(packages["colpkg"]), "-o", str(out), "--media", str(media)], capsys)
    assert code == 0, err
    assert [p.name for p in media.iterdir()] == ["media-probe.txt"]
    assert "media: 1 file(s) in the package, 1 copied" in stdout


def test_reimport_keeps_ids_and_needs_force(packages, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_main(["import-anki", str(packages["apkg"]), "-o", str(out)], capsys)[0] == 0
    first = load(out)
    before = snapshot(out)
    code, _, err = run_main(["import-anki", str(packages["apkg"]), "-o", str(out)], capsys)
    assert code == 2 and "already exists (use --force" in err
    assert snapshot(out) == before
    # A hand-edited question keeps the card's id on re-import (the id is found by its GUID part).
    path = out / "misc.yaml"
    text = path.read_text(encoding="utf-8")
    old_id = next(c.id for c in first.values() if c.q == "Capital of France?")
    token = old_id.removeprefix("capital-of-france-")  # the GUID, which may itself hold a "-"
    assert token != old_id
    path.write_text(text.replace(f"id: {old_id}", "id: my-paris-" + token), encoding="utf-8")
    assert run_main(["import-anki", str(packages["apkg"]), "-o", str(out), "--force"], capsys)[0] == 0
    again = load(out)
    assert len(again) == len(first)
    assert "my-paris-" + token in again


def test_deck_option(packages, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, err = run_main(["import-anki", str(packages["apkg"]), "-o", str(out), "--deck", "lang"], capsys)
    assert code == 0, err
    assert {c.deck for c in load(out).values()} == {"Lang::Python"}
    code, _, err = run_main(["import-anki", str(packages["apkg"]), "-o", str(out), "--deck", "nope"], capsys)
    assert code == 2 and "no deck 'nope'" in err


def _encrypted_zip(path: Path) -> None:
    # A zip entry with the "encrypted" flag (what `zip -P` writes): no password is ever asked for.
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("collection.anki21b", b"\x00" * 64)
    data = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(sig)
        data[at + offset] |= 0x1
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.write_bytes(b"not a zip at all"), "not a zip file"),
        (lambda p: p.write_bytes(b""), "not a zip file"),
        (lambda p: zipfile.ZipFile(p, "w").writestr("notes.txt", "hi"), "no collection inside"),
        (lambda p: zipfile.ZipFile(p, "w").writestr("collection.anki21b", b"garbage" * 10), "cannot read the Anki package"),
        (_encrypted_zip, "password-protected"),
    ],
    ids=["garbage", "empty", "no-collection", "bad-collection", "encrypted"],
)
def test_bad_package_exits_2_and_writes_nothing(tmp_path, capsys, make, message):
    pkg = tmp_path / "bad.apkg"
    make(pkg)
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.yaml").write_text("deck: Mine\ncards: []\n", encoding="utf-8")
    before = snapshot(out)
    code, stdout, err = run_main(["import-anki", str(pkg), "-o", str(out), "--force"], capsys)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert snapshot(out) == before
    fresh = tmp_path / "fresh"
    assert run_main(["import-anki", str(pkg), "-o", str(fresh)], capsys)[0] == 2
    assert not fresh.exists()


def test_truncated_real_package(packages, tmp_path, capsys):
    pkg = tmp_path / "cut.apkg"
    pkg.write_bytes(packages["apkg"].read_bytes()[:-200])
    out = tmp_path / "out"
    code, _, err = run_main(["import-anki", str(pkg), "-o", str(out)], capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_missing_anki_package_is_one_line(packages, tmp_path, capsys, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "anki.collection", None)
    code, _, err = run_main(["import-anki", str(packages["apkg"]), "-o", str(tmp_path / "o")], capsys)
    assert code == 2 and "needs the `anki` package" in err


# --------------------------------------------------------------------------
# The round trip: pyflash export -> import-anki


def test_round_trip_of_every_bundled_deck_is_exact(tmp_path, capsys):
    decks = ROOT / "decks"
    out_pkg = tmp_path / "bundled.apkg"
    assert run_main(["export", "--anki", str(decks), "-o", str(out_pkg)], capsys)[0] == 0
    out = tmp_path / "back"
    code, stdout, err = run_main(["import-anki", str(out_pkg), "-o", str(out)], capsys)
    assert code == 0, err
    original, back = load(decks), load(out)
    assert len(back) == len(original) > 500
    assert set(back) == set(original)
    differences = [
        (key, name)
        for key, card in original.items()
        for name in COMPARED
        if getattr(card, name) != getattr(back[key], name)
    ]
    assert differences == []
    entries = len({card.note_key for card in original.values()})  # a cloze entry: one note, a card per number
    assert f"{entries} card(s) came from a pyflash export and were given back exactly" in stdout


def test_round_trip_of_cloze_reverse_and_typed_cards(tmp_path, capsys):
    deck = tmp_path / "d" / "d.yaml"
    deck.parent.mkdir()
    deck.write_text(
        "deck: Modes\ncards:\n"
        "  - id: kw\n    cloze: |\n      parser.add_argument('--v', {{c1::action}}='store_true')\n"
        "      if __name__ == {{c2::'__main__'::a string}}:\n    note: argparse\n"
        "  - q: The answer?\n    a: '42'\n    type: true\n    accept: [forty-two]\n    lint: [leak]\n"
        "  - id: turn\n    q: chien\n    a: dog\n    reverse: true\n",
        encoding="utf-8",
    )
    pkg = tmp_path / "m.apkg"
    assert run_main(["export", "--anki", str(deck.parent), "-o", str(pkg)], capsys)[0] == 0
    out = tmp_path / "back"
    code, stdout, err = run_main(["import-anki", str(pkg), "-o", str(out)], capsys)
    assert code == 0, err
    original, back = load(deck.parent), load(out)
    assert sorted(original) == sorted(back) == ["auto-" + k.split("auto-")[1] if k.startswith("auto-") else k
                                                for k in sorted(original)]
    assert len(back) == 5  # kw#c1, kw#c2, the typed card, turn, turn#r
    assert [(k, n) for k, c in original.items() for n in COMPARED if getattr(c, n) != getattr(back[k], n)] == []


def test_round_trip_notices_an_edit_in_anki(tmp_path, capsys):
    deck = tmp_path / "d" / "d.yaml"
    deck.parent.mkdir()
    deck.write_text(
        "deck: T\ncards:\n  - id: one\n    q: What is *one*?\n    a: The number `1`.\n"
        "  - q: Untouched?\n    a: |\n      Yes  \n      really.\n",
        encoding="utf-8",
    )
    pkg = tmp_path / "t.apkg"
    assert run_main(["export", "--anki", str(deck.parent), "-o", str(pkg)], capsys)[0] == 0
    col = Collection(str(tmp_path / "anki" / "c.anki2")) if (tmp_path / "anki").mkdir() is None else None
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(pkg), options=ImportAnkiPackageOptions()))
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        if "one" in note["Key"]:
            note["Answer"] = "The number <b>one</b>."
            col.update_note(note)
    again = tmp_path / "again.apkg"
    col.export_anki_package(
        out_path=str(again), options=ExportAnkiPackageOptions(with_scheduling=False, legacy=False), limit=ExportLimit()
    )
    col.close()
    out = tmp_path / "out"
    code, stdout, err = run_main(["import-anki", str(again), "-o", str(out)], capsys)
    assert code == 0, err
    cards = load(out)
    assert cards["one"].a == "The number **one**."
    assert cards["one"].q == "What is *one*?"
    original = load(deck.parent)
    untouched = next(k for k in original if k.startswith("auto-"))
    assert cards[untouched].a == original[untouched].a == "Yes  \nreally.\n"
    assert "1 pyflash card(s) were edited in Anki" in stdout


# --------------------------------------------------------------------------
# --with-history


def store_of():
    from pyflash import paths
    from pyflash.core.review.store import Store

    return Store(paths.store_path())


def today_here() -> int:
    from datetime import UTC, datetime

    from pyflash.core.clock import local_day, system_zone

    return local_day(datetime.now(UTC), system_zone())


@pytest.mark.parametrize("kind", ["apkg", "colpkg"])
def test_with_history_carries_schedule_grades_and_flags(packages, tmp_path, capsys, kind):
    from pyflash.importer.anki.convert import note_token

    out = tmp_path / "out"
    code, stdout, err = run_main(["import-anki", str(packages[kind]), "-o", str(out), "--with-history"], capsys)
    assert code == 0, err
    cards = load(out)
    token = {name: note_token(g) for name, g in packages["guids"].items()}
    key = {name: by_guid(cards, t)[0].key for name, t in token.items() if name != "cloze"}
    today = today_here()
    with store_of() as store:
        states = store.states()
        log = store.log()
    for name in ("basic", "plain", "extra0", "extra1"):
        ctype, queue, due, ivl, factor = packages["cards"][name][0]
        state = states[key[name]]
        assert state.interval == ivl
        assert state.easiness.cents == factor // 10
        anki_due = today + (due - packages["today"])
        assert abs(state.due_day - anki_due) <= 1, name
        grades = [e.grade for e in log if e.key == key[name] and e.grade is not None]
        assert grades == [{1: 1, 2: 3, 3: 4, 4: 5}[ease] for ease in packages["eases"][name]]
    assert states[key["extra0"]].suspended and not states[key["basic"]].suspended
    assert states[key["extra1"]].buried_until == today + 1
    assert [e.kind for e in log if e.key == key["extra0"]][-1] == "suspend"
    # Never-studied cards have no state: they stay new.
    assert key["extra2"] not in states and key["custom"] not in states
    # The lapse: again resets the repetition count; the first answer of a day is a review, then repeats.
    kinds = [e.kind for e in log if e.key == key["plain"]]
    assert kinds[0] == "review" and set(kinds[1:]) == {"repeat"}
    assert "history: 9 review(s) logged" in stdout

    # Importing again adds nothing to the log and keeps the states.
    code, stdout, err = run_main(
        ["import-anki", str(packages[kind]), "-o", str(out), "--with-history", "--force"], capsys
    )
    assert code == 0, err
    with store_of() as store:
        assert len(store.log()) == len(log)
        assert store.states() == states
    assert "history: 0 review(s) logged" in stdout and "9 review(s) were already in the log" in stdout


def test_due_tomorrow_matches_anki(packages, tmp_path, capsys):
    out = tmp_path / "out"
    assert run_main(["import-anki", str(packages["apkg"]), "-o", str(out), "--with-history"], capsys)[0] == 0
    today = today_here()
    with store_of() as store:
        ours = sorted(s.interval for s in store.states().values() if s.due_day is not None and s.due_day <= today + 1
                      and not s.suspended)
    theirs = sorted(ivl for cards in packages["cards"].values() for (t, q, due, ivl, _) in cards
                    if q == 2 and due - packages["today"] <= 1)
    assert ours == theirs


def test_history_grades_and_learning_steps():
    from datetime import UTC, datetime

    from pyflash.importer.anki.convert import ImportedCard
    from pyflash.importer.anki.history import card_history
    from pyflash.importer.anki.reader import AnkiCard, Revlog

    day0 = int(datetime(2026, 1, 5, 12, tzinfo=UTC).timestamp() * 1000)
    hour, daylen = 3_600_000, 86_400_000
    revlog = (
        Revlog(day0, 1, -60, 0, 0, 3000, 0),  # again, a 1-minute step
        Revlog(day0 + hour, 3, 1, -60, 2500, 2000, 0),  # good: graduates to 1 day
        Revlog(day0 + daylen, 2, 3, 1, 2350, 1000, 1),  # hard, next day
        Revlog(day0 + 4 * daylen, 4, 12, 3, 2500, 1000, 1),  # easy
        Revlog(day0 + 5 * daylen, 0, 20, 12, 2500, 0, 4),  # a manual reschedule: no grade
    )
    anki = AnkiCard(1, 0, "D", 2, 2, 7, 20, 2500, 4, 0, revlog)
    card = ImportedCard("D", {"id": "x", "q": "Q", "a": "A"}, "x", anki)
    history = card_history(card, anki, today=1000, zone=UTC, day_starts_at=4)
    assert history is not None
    assert [(e.grade, e.kind) for e in history.reviews] == [(1, "review"), (4, "repeat"), (3, "review"), (5, "review")]
    assert [e.after.interval for e in history.reviews[:3]] == [0, 1, 3]
    assert history.reviews[0].before is None and history.reviews[0].after.due_day == history.reviews[0].day
    assert [e.after.repetitions for e in history.reviews] == [0, 1, 2, 3]
    assert history.reviews[2].after.easiness.cents == 235
    assert (history.state.interval, history.state.due_day, history.state.easiness.cents) == (20, 1007, 250)
    assert history.reviews[-1].after == history.state


def test_add_history_keeps_a_schedule_studied_in_pyflash_since(tmp_path):
    from dataclasses import replace

    from pyflash.core.review.imported import ImportedHistory, ImportedReview
    from pyflash.core.review.records import CardState
    from pyflash.core.review.store import Store
    from pyflash.core.scheduling.states import ReviewKind

    before = CardState("k", "D", "Q")
    after = replace(before, interval=3, repetitions=1, due_day=103, last_review="2026-01-01T10:00:00.000+00:00",
                    last_day=100, last_grade=4, first_day=100)
    history = ImportedHistory("k", "D", "Q", (ImportedReview(after.last_review, 100, 4, ReviewKind.REVIEW, None, after),),
                              after)
    with Store(tmp_path / "s.db") as store:
        counts = store.add_history([history])
        assert (counts.cards, counts.reviews) == (1, 1)
        assert store.get("k") == after
        newer = replace(after, interval=9, due_day=120, last_review="2026-02-01T10:00:00.000+00:00")
        store.record(after, newer, grade=5, kind="review", ts=newer.last_review, day=110, answer_ms=None)
        counts = store.add_history([history])
        assert (counts.cards, counts.reviews, counts.kept, counts.repeated) == (0, 0, 1, 1)
        assert store.get("k") == newer
        assert [e.grade for e in store.log("k")] == [4, 5]


@pytest.mark.parametrize("text", ["a --> b", "<!-- x -->", "back\\slash \\u002d", "&lt; & <b>", "中文 -- ✓", "\x1f\n\t"])
def test_payload_carries_any_text(text):
    from pyflash.core.decks.model import Card
    from pyflash.export.anki.payload import decode_key_field, encode_key_field, fields_digest

    card = Card("k-1", "k-1", "D", text, text, text, None, None, None, ("t-1",), text, (), "p", 1, 1, 1)
    field = encode_key_field(card, ["<p>x</p>"])
    assert field.count("-->") == 1 and field.endswith("-->")
    payload = decode_key_field(field)
    assert payload.key == "k-1" and payload.digest == fields_digest(["<p>x</p>"])
    assert payload.fields == {"id": "k-1", "q": text, "a": text, "code": text, "source": text, "deck": "D", "tags": ["t-1"]}
