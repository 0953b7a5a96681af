"""An id used in two files, and the user's copy of a bundled deck (issue 11, items 6 and 7)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from conftest import open_workspace, run_main, write_deck
from pyflash.core.decks import override
from pyflash.core.decks.loader import load_decks, parse_deck_file
from pyflash.core.locations import Locations

STUDIED = """\
deck: Old
cards:
  - q: filler
    a: f
  - id: zip
    q: What does zip() return?
    a: an iterator of tuples
"""

NEWCOMER = """\
deck: New
cards:
  - id: zip
    q: What does zip(strict=True) raise?
    a: ValueError
"""


def study_all(ws, grade: int = 5) -> None:
    session = ws.session()
    while session.current is not None:
        session.reveal()
        session.grade(grade)


def history(ws, key: str) -> tuple:
    state = ws.store.get(key)
    return (state.due_day, state.interval, state.repetitions, state.easiness, state.deck, state.text)


def test_a_new_file_reusing_a_studied_id_is_the_one_reported(tmp_path, clock, capsys):
    decks = tmp_path / "decks"
    old = write_deck(decks, "b-old.yaml", STUDIED)
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        study_all(ws)
        before = history(ws, "zip")
        log_before = ws.store.log("zip")
    # A later file that sorts first reuses the id.
    new = write_deck(decks, "a-new.yaml", NEWCOMER)
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        (card,) = [c for c in ws.cards if c.key == "zip"]
        assert card.path == str(old) and card.q == "What does zip() return?"
        assert [str(e) for e in ws.result.errors] == [
            f"{new}:3:5: card 1: duplicate id 'zip', already used at {old}:5 (card 2); "
            "ids must be unique across all decks (rename this one)"
        ]
        assert history(ws, "zip") == before  # the studied card keeps its history
        assert ws.store.log("zip") == log_before
        assert [c.deck for c in ws.cards_in("New")] == []
    # The CLI says the same: at the newcomer's own path:line:col.
    code, out, _ = run_main(["check", str(decks)], capsys)
    assert code == 2
    assert re.search(rf"^{re.escape(str(new))}:3:5: card 1: duplicate id 'zip', already used at {re.escape(str(old))}:5", out, re.M)
    assert f"{old}:" not in out.split("already used at")[0]
    code, out, err = run_main(["decks", str(decks)], capsys)
    assert code == 2
    assert f"{new}:3:5: card 1: duplicate id 'zip'" in err and f"{old}:5:" not in err
    assert re.search(r"^Old\s+0\s+\d+\s+0\s+2\s", out, re.M)  # New 0, Due, Unseen 0, Total 2: history kept
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        assert history(ws, "zip") == before


def test_without_history_the_first_in_load_order_keeps_the_id(tmp_path, clock):
    bundled = write_deck(tmp_path / "bundled", "z.yaml", NEWCOMER)
    user = write_deck(tmp_path / "user", "a.yaml", STUDIED)
    result = load_decks([("bundled", bundled.parent), ("user", user.parent)])
    (card,) = [c for c in result.cards if c.key == "zip"]
    assert card.path == str(bundled)  # bundled before the user's folder, whatever the names
    assert [e.path for e in result.errors] == [str(user)]
    assert "already used at " + str(bundled) in result.errors[0].message


def test_an_exact_copy_leaves_the_older_file_with_the_id(tmp_path, clock):
    decks = tmp_path / "decks"
    old = write_deck(decks, "b.yaml", STUDIED)
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        study_all(ws)
        before = history(ws, "zip")
    copy = decks / "a-copy.yaml"
    shutil.copyfile(old, copy)
    os.utime(old, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    os.utime(copy, ns=(2_000_000_000_000_000_000, 2_000_000_000_000_000_000))
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        assert {c.path for c in ws.cards} == {str(old)}
        assert {e.path for e in ws.result.errors} == {str(copy)}
        assert history(ws, "zip") == before


def test_the_newcomer_can_take_the_id_once_the_original_is_gone(tmp_path, clock):
    decks = tmp_path / "decks"
    old = write_deck(decks, "b.yaml", STUDIED)
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        study_all(ws)
    new = write_deck(decks, "a.yaml", NEWCOMER)
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        assert [c.path for c in ws.cards if c.key == "zip"] == [str(old)]
        old.unlink()
        ws.reload()
        assert [c.path for c in ws.cards if c.key == "zip"] == [str(new)]
        assert ws.result.errors == []


def test_a_broken_file_only_holds_back_its_own_deck(tmp_path, clock):
    decks = tmp_path / "decks"
    good = write_deck(decks, "good.yaml", "deck: Good\ncards:\n  - q: What does list.append return?\n    a: None\n")
    write_deck(decks, "bad.yaml", "deck: Bad\ncards:\n  - q: fine\n    a: yes\n")
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        study_all(ws)
    # Deck Bad gets a broken card (its name is still read); deck Good's card is edited.
    write_deck(decks, "bad.yaml", "deck: Bad\ncards:\n  - q: fine\n    a: yes\n  - q: no answer\n")
    good.write_text("deck: Good\ncards:\n  - q: What does list.append() return?\n    a: None\n", encoding="utf-8")
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        assert ws.result.errors
        assert [r.card.q for r in ws.report.relinked] == ["What does list.append() return?"]


def test_a_broken_card_does_not_hold_back_an_edit_in_the_same_file(tmp_path, clock):
    decks = tmp_path / "decks"
    path = write_deck(decks, "d.yaml", "deck: D\ncards:\n  - q: What does list.append return?\n    a: None\n")
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        study_all(ws)
        (old,) = ws.cards
        path.write_text(
            "deck: D\ncards:\n  - q: What does list.append() return?\n    a: None\n  - q: broken\n", encoding="utf-8"
        )
        before = history(ws, old.key)[:4]
        report = ws.reload(edited=old)
        assert ws.result.errors  # card 2 has no answer
        (new,) = ws.cards
        assert ws.successor(old, report) == new.key  # the edit is picked up
        assert history(ws, new.key)[:4] == before  # with its history
        assert ws.store.get(old.key) is None


def test_without_the_edit_hint_a_broken_deck_is_not_relinked(tmp_path, clock):
    decks = tmp_path / "decks"
    path = write_deck(decks, "d.yaml", "deck: D\ncards:\n  - q: What does list.append return?\n    a: None\n")
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        study_all(ws)
        (old,) = ws.cards
    path.write_text(
        "deck: D\ncards:\n  - q: What does list.append() return?\n    a: None\n  - q: broken\n", encoding="utf-8"
    )
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        assert ws.report.relinked == [] and ws.report.orphans == []
        assert ws.store.get(old.key).repetitions == 1


# -- the user's copy of a bundled deck -------------------------------------------

BUNDLED = """\
deck: Py::Basics
cards:
  - id: py-1
    q: What does len([]) return?
    a: "0"
  - q: What is None?
    a: the null object
"""


def locations(tmp_path: Path, bundled: Path, user: Path) -> Locations:
    home = tmp_path / "pyflash-home"
    return Locations(
        store=home / "data" / "reviews.sqlite3",
        config=home / "config" / "config.toml",
        deck_sources=(("bundled", bundled), ("user", user)),
    )


def test_a_user_deck_with_a_bundled_name_shadows_it_and_keeps_history(tmp_path, clock):
    bundled, user = tmp_path / "bundled", tmp_path / "user"
    original = write_deck(bundled, "basics.yaml", BUNDLED)
    write_deck(bundled, "other.yaml", "deck: Py::Other\ncards:\n  - q: other?\n    a: o\n")
    where = locations(tmp_path, bundled, user)
    with open_workspace(None, locations=where, clock=clock, zone=clock.zone) as ws:
        study_all(ws)
        keys = sorted(c.key for c in ws.cards)
        before = {k: history(ws, k) for k in keys}
        assert ws.result.overridden_decks() == set()
    # The user's copy, edited: one answer changed.
    copy = write_deck(user, "basics.yaml", BUNDLED.replace("the null object", "the only NoneType value"))
    with open_workspace(None, locations=where, clock=clock, zone=clock.zone) as ws:
        assert ws.result.errors == []  # no duplicate ids: the bundled file is not loaded
        assert sorted(c.key for c in ws.cards) == keys
        assert {c.path for c in ws.cards_in("Py::Basics")} == {str(copy)}
        assert [f.path for f in ws.result.shadowed] == [str(original)]
        assert ws.result.overridden_decks() == {"Py::Basics"}
        assert {k: history(ws, k) for k in keys} == before  # history carried over
        assert "the only NoneType value" in [c.a for c in ws.cards]
        counts = {r.name: r for r in ws.deck_counts()}
        assert counts["Py::Basics"].origins == {"user"} and counts["Py::Other"].origins == {"bundled"}


def test_decks_marks_a_deck_that_overrides_a_bundled_one(tmp_path, capsys, pyflash_home):
    user = pyflash_home / "data" / "decks"
    bundled_file = next(Path(__file__).resolve().parents[1].joinpath("decks").glob("argparse.yaml"))
    shutil.copyfile(bundled_file, user.mkdir(parents=True) or user / "argparse.yaml")
    code, out, err = run_main(["decks"], capsys)
    assert code == 0, err
    (row,) = [ln for ln in out.splitlines() if "argparse" in ln]
    assert row.rstrip().endswith(f"user: {user / 'argparse.yaml'} (overrides bundled)")
    assert sum("(overrides bundled)" in ln for ln in out.splitlines()) == 1


def test_a_read_only_workspace_settles_duplicates_the_same_way(tmp_path, clock):
    decks = tmp_path / "decks"
    old = write_deck(decks, "b-old.yaml", STUDIED)
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        study_all(ws)
        relinks = ws.store.relinks()
    write_deck(decks, "a-new.yaml", NEWCOMER)
    with open_workspace([decks], clock=clock, zone=clock.zone, read_only=True) as ws:  # as the export opens it
        assert [c.path for c in ws.cards if c.key == "zip"] == [str(old)]
        assert ws.store.relinks() == relinks


def test_a_card_added_above_a_studied_one_in_its_file_does_not_take_its_id(tmp_path, clock):
    decks = tmp_path / "decks"
    path = write_deck(decks, "d.yaml", STUDIED)
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        study_all(ws)
        before = history(ws, "zip")
    # A new card with the same id, pasted at the top of the same file.
    path.write_text(STUDIED.replace("cards:\n", "cards:\n" + NEWCOMER.split("cards:\n")[1]), encoding="utf-8")
    with open_workspace([decks], clock=clock, zone=clock.zone) as ws:
        assert [c.q for c in ws.cards if c.key == "zip"] == ["What does zip() return?"]
        assert [str(e) for e in ws.result.errors] == [
            f"{path}:3:5: card 1: duplicate id 'zip', already used by card 3 at {path}:8; ids must be unique"
        ]
        assert history(ws, "zip") == before
    # Without history, the first card of the file keeps it, as parse_deck_file says on its own.
    alone = parse_deck_file(path)
    assert [c.position for c in alone.cards] == [1, 2]
    assert ["card 3: duplicate id 'zip'" in e.message for e in alone.errors] == [True]


def test_copying_a_bundled_deck_never_overwrites_and_copies_every_file(tmp_path):
    bundled, user = tmp_path / "bundled", tmp_path / "user"
    write_deck(bundled, "basics.yaml", BUNDLED)
    write_deck(bundled, "more.yaml", "deck: Py::Basics\ncards:\n  - id: more\n    q: more?\n    a: m\n")
    write_deck(bundled, "other.yaml", "deck: Py::Other\ncards:\n  - q: other?\n    a: o\n")
    mine = write_deck(user, "basics.yaml", "deck: Mine\ncards:\n  - q: mine?\n    a: m\n")
    result = load_decks([("bundled", bundled), ("user", user)])
    assert override.is_bundled(result, str(bundled / "basics.yaml"))
    assert not override.is_bundled(result, str(mine))
    assert override.user_folder(locations(tmp_path, bundled, user)) == user
    copies = override.copy_bundled_deck(result, "Py::Basics", user)
    assert copies == {str(bundled / "basics.yaml"): user / "basics-2.yaml", str(bundled / "more.yaml"): user / "more.yaml"}
    assert mine.read_text(encoding="utf-8").startswith("deck: Mine")  # never overwritten
    assert (user / "basics-2.yaml").read_bytes() == (bundled / "basics.yaml").read_bytes()
    after = load_decks([("bundled", bundled), ("user", user)])
    assert after.errors == [] and after.overridden_decks() == {"Py::Basics"}
    assert {f.deck for f in after.files} == {"Mine", "Py::Basics", "Py::Other"}
