"""Issue 11: per-deck limits capped by parents, new-card order and mixing, --new beyond
today's limit, the reasons of an empty session, and the deck/tag selection."""

from __future__ import annotations

import pytest

from conftest import open_workspace, write_deck
from pyflash.core.config import Config, DeckLimit, load_config
from pyflash.core.errors import PyflashError


def deck(folder, deck_name, prefix, n, tags=None):
    tag_line = f"    tags: [{tags}]\n" if tags else ""
    body = "".join(f"  - id: {prefix}{i}\n    q: {prefix} q{i}\n    a: a{i}\n{tag_line}" for i in range(n))
    return write_deck(folder, f"{prefix}.yaml", f"deck: {deck_name}\ncards:\n{body}")


@pytest.fixture
def tree(tmp_path):
    """P::A (a0..a4), P::B (b0..b4) and Q (q0..q4)."""
    folder = tmp_path / "decks"
    deck(folder, "P::A", "a", 5)
    deck(folder, "P::B", "b", 5)
    deck(folder, "Q", "q", 5)
    return folder


def keys(session):
    return [item.card.key for item in session.queue]


def study(session, n=None, grade=5):
    for _ in range(n if n is not None else len(session.queue)):
        session.reveal()
        session.grade(grade)


def ws_with(tree, clock, **cfg):
    return open_workspace([str(tree)], clock=clock, zone=clock.zone, config=Config(**cfg))


# -- limits -----------------------------------------------------------------------


def test_parent_limit_caps_its_subdecks(tree, clock):
    with ws_with(tree, clock, deck_limits=(DeckLimit("P", new_per_day=3),)) as ws:
        assert keys(ws.session("P")) == ["a0", "b0", "a1"]
        assert keys(ws.session("P::A")) == ["a0", "a1", "a2"]  # a subdeck never shows more than its parent allows
        assert keys(ws.session()) == ["a0", "b0", "q0", "a1", "q1", "q2", "q3", "q4"]  # Q has the global 20


def test_own_deck_limit_and_the_global_default(tree, clock):
    limits = (DeckLimit("p::a", new_per_day=1), DeckLimit("Q", new_per_day=2))  # names: any case
    with ws_with(tree, clock, new_per_day=4, deck_limits=limits) as ws:
        assert keys(ws.session()) == ["a0", "b0", "q0", "b1"]  # the global limit caps all decks
        assert keys(ws.session("P::B")) == ["b0", "b1", "b2", "b3"]
        s = ws.session("P")
        study(s, 2)  # a0, b0
    with ws_with(tree, clock, new_per_day=4, deck_limits=limits) as ws:
        # What was studied today counts against each deck and its parents.
        assert keys(ws.session("P")) == ["b1", "b2"]
        assert keys(ws.session("P::A")) == []


def test_review_limits_per_deck(tree, clock):
    with ws_with(tree, clock) as ws:
        study(ws.session())
    clock.advance(days=1)
    with ws_with(tree, clock, new_per_day=0, deck_limits=(DeckLimit("P", reviews_per_day=3),)) as ws:
        queued = keys(ws.session())
        assert len([k for k in queued if k[0] in "ab"]) == 3 and len([k for k in queued if k[0] == "q"]) == 5


# -- order and mixing ----------------------------------------------------------------


def test_new_order_mixed_is_round_robin_between_decks(tree, clock):
    with ws_with(tree, clock, new_per_day=7) as ws:
        assert keys(ws.session()) == ["a0", "b0", "q0", "a1", "b1", "q1", "a2"]


def test_new_order_file(tree, clock):
    with ws_with(tree, clock, new_per_day=7, new_order="file") as ws:
        assert keys(ws.session()) == ["a0", "a1", "a2", "a3", "a4", "b0", "b1"]


def test_new_order_random_is_the_same_all_day(tree, clock):
    with ws_with(tree, clock, new_order="random") as ws:
        first = keys(ws.session())
    with ws_with(tree, clock, new_order="random") as ws:
        assert keys(ws.session()) == first  # a restart gives the same order
    assert sorted(first) == sorted(f"{p}{i}" for p in "abq" for i in range(5))
    assert first != sorted(first)
    clock.advance(days=1)
    with ws_with(tree, clock, new_order="random") as ws:
        assert keys(ws.session()) != first  # another day, another order


def test_new_cards_are_spread_among_reviews(tmp_path, clock):
    folder = tmp_path / "decks"
    deck(folder, "D", "d", 10)
    with ws_with(folder, clock, new_per_day=4, new_order="file") as ws:
        study(ws.session())  # d0..d3 learned
    clock.advance(days=1)
    with ws_with(folder, clock, new_per_day=2, new_order="file") as ws:
        kinds = [item.kind for item in ws.session().queue]
        assert kinds == ["review", "review", "new", "review", "review", "new"]


# -- --new beyond today's limit, and why a session is empty ------------------------------


def test_new_flag_studies_beyond_todays_limit(tree, clock):
    with ws_with(tree, clock, new_per_day=2, deck_limits=(DeckLimit("Q", new_per_day=0),)) as ws:
        study(ws.session())
        assert keys(ws.session()) == []
        new, reviews = ws.limits_beyond_today(3, None)
        assert (new, reviews) == (5, None)
        assert keys(ws.session(new=new)) == ["a1", "b1", "q0"]  # deck limits too are lifted
        assert keys(ws.session("Q", new=new)) == ["q0", "q1", "q2"]


def test_empty_session_says_which_limit_and_the_flag(tree, clock):
    with ws_with(tree, clock, new_per_day=2) as ws:
        study(ws.session())
        s = ws.session()
        assert s.finished
        assert [h.message() for h in s.held_back()] == [
            "New cards: daily limit of 2 reached (2 studied today); `pyflash study --new 2` studies 2 more"
        ]
    with ws_with(tree, clock, new_per_day=20, deck_limits=(DeckLimit("P::A", new_per_day=1),)) as ws:
        s = ws.session("P::A")
        assert keys(s) == []  # a0 was studied above
        assert [h.message() for h in s.held_back()] == [
            "New cards: daily limit of 1 for P::A reached (1 studied today); "
            "`pyflash study --deck P::A --new 1` studies 1 more"
        ]


def test_empty_session_reason_for_reviews(tree, clock):
    with ws_with(tree, clock) as ws:
        study(ws.session())
    clock.advance(days=1)
    with ws_with(tree, clock, reviews_per_day=0) as ws:
        s = ws.session()
        assert s.finished
        assert [h.message() for h in s.held_back()] == [
            "Reviews: daily limit of 0 reached (0 studied today); `pyflash study --reviews 15` studies 15 more"
        ]


def test_nothing_held_back_gives_no_reason(tree, clock):
    with ws_with(tree, clock) as ws:
        s = ws.session()
        study(s)
        assert ws.session().held_back() == []


def test_deck_counts_new_today_follows_the_limits(tree, clock):
    with ws_with(tree, clock, new_per_day=4, deck_limits=(DeckLimit("P", new_per_day=3),)) as ws:
        counts = {c.name: (c.new_today, c.new) for c in ws.deck_counts()}
        assert counts == {"P": (3, 10), "P::A": (3, 5), "P::B": (3, 5), "Q": (4, 5)}
        assert ws.new_today_all(ws.deck_counts()) == 4
        study(ws.session("P"), 1)
        counts = {c.name: (c.new_today, c.new) for c in ws.deck_counts()}
        assert counts["P"] == (2, 9) and counts["Q"] == (4, 5)
        assert ws.new_today_all(ws.deck_counts()) == 3


# -- config -----------------------------------------------------------------------


def test_config_deck_tables_and_new_order(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text('new_order = "file"\n\n[deck."Python::Pandas"]\nnew_per_day = 5\nreviews_per_day = 50\n', encoding="utf-8")
    config = load_config(cfg)
    assert config.new_order == "file"
    assert config.deck_limits == (DeckLimit("Python::Pandas", 5, 50),)
    assert config.deck_limit("python::pandas") == DeckLimit("Python::Pandas", 5, 50)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('new_order = "fancy"\n', r":1:1: 'new_order' must be one of 'mixed', 'file', 'random'$"),
        ('[deck."P"]\nnew_per_day = 2\n\n[deck."Q"]\nnew_per_day = -1\n', r":5:1: 'new_per_day' of deck 'Q' must be a whole number from 0 to 100000$"),
        ('[deck."P"]\nnew = 2\n', r":2:1: unknown deck setting 'new' for 'P' \(known: new_per_day, reviews_per_day, type_output, scheduler, desired_retention, leech_action\)$"),
        ('deck = 3\n', r":1:1: 'deck' must be tables such as"),
        ('[deck]\nP = 3\n', r":2:1: deck 'P' must be a table such as"),
    ],
)
def test_config_mistakes_are_located(tmp_path, text, message):
    cfg = tmp_path / "config.toml"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(PyflashError, match=str(cfg).replace("\\", "\\\\") + message):
        load_config(cfg)


# -- selection ----------------------------------------------------------------------


@pytest.fixture
def tagged(tmp_path):
    folder = tmp_path / "decks"
    write_deck(
        folder,
        "bar.yaml",
        "deck: BarDeck\ncards:\n"
        "  - {id: io, q: io, a: x, tags: [python::io]}\n"
        "  - {id: core, q: core, a: x, tags: [python]}\n"
        "  - {id: sh, q: sh, a: x, tags: [shell]}\n",
    )
    write_deck(folder, "sub.yaml", "deck: BarDeck::Sub\ncards:\n  - {id: s1, q: s1, a: x, tags: [Python::IO]}\n")
    write_deck(folder, "other.yaml", "deck: Other\ncards:\n  - {id: o1, q: o1, a: x}\n")
    return folder


def test_select_deck_ignores_case_and_suggests(tagged, clock):
    with open_workspace([str(tagged)], clock=clock, zone=clock.zone) as ws:
        assert ws.select_deck("bardeck") == "BarDeck"
        assert ws.select_deck("BARDECK::sub") == "BarDeck::Sub"
        with pytest.raises(PyflashError, match=r"^no deck named 'bardek'; did you mean 'BarDeck'\? \(decks: "):
            ws.select_deck("bardek")
        assert sorted(keys(ws.session(ws.select("bardeck").deck))) == ["core", "io", "s1", "sh"]


def test_select_deck_by_the_end_of_its_name(tmp_path, clock):
    folder = tmp_path / "decks"
    write_deck(folder, "a.yaml", "deck: Python::argparse\ncards:\n  - {id: a1, q: a1, a: x}\n")
    write_deck(folder, "b.yaml", "deck: A::io\ncards:\n  - {id: b1, q: b1, a: x}\n")
    write_deck(folder, "c.yaml", "deck: B::IO\ncards:\n  - {id: c1, q: c1, a: x}\n")
    with open_workspace([str(folder)], clock=clock, zone=clock.zone) as ws:
        assert ws.select_deck("ARGPARSE") == "Python::argparse"  # the only deck ending in ::argparse
        assert ws.select_deck("python::argparse") == "Python::argparse"
        with pytest.raises(PyflashError, match=r"^'io' names several decks: A::io, B::IO \(give the full name\)$"):
            ws.select_deck("io")
        with pytest.raises(PyflashError, match=r"^no deck named 'parse'"):  # an end of a name, not of a part
            ws.select_deck("parse")


def test_tags_narrow_counts_cards_and_sessions(tagged, clock):
    with open_workspace([str(tagged)], clock=clock, zone=clock.zone) as ws:
        selection = ws.select(None, ["python::io"])
        assert selection.tags == ("python::io",)
        assert sorted(c.key for c in ws.cards_in()) == ["io", "s1"]  # tags compare in any case
        assert sorted(keys(ws.session())) == ["io", "s1"]
        assert {c.name: c.total for c in ws.deck_counts()} == {"BarDeck": 2, "BarDeck::Sub": 1}
        ws.select("BarDeck", ["python", "shell"])  # python matches python::io; several tags: any of them
        assert sorted(c.key for c in ws.cards_in("BarDeck")) == ["core", "io", "s1", "sh"]
        with pytest.raises(PyflashError, match=r"^no card has the tag 'pyton'; did you mean 'python'"):
            ws.select(None, ["pyton"])
