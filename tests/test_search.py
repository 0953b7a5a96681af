"""The search language (docs/search.md): every operator, errors with their column, a model check, the CLI."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime, timedelta

import pytest

from conftest import FakeClock, open_workspace, run_main, write_deck
from pyflash.core import workspace as workspace_module
from pyflash.core.config import Config, load_config
from pyflash.core.decks.model import derived_key
from pyflash.core.errors import PyflashError
from pyflash.core.query.parser import parse
from pyflash.core.query.search import find
from pyflash.core.review.store import CardState, Store, utc_now_iso
from pyflash.core.scheduling.schedule import SM2

DECKS = {
    "pandas.yaml": """\
deck: Python::Pandas
tags: [python]
cards:
  - id: pd-read
    q: How do you read a CSV?
    a: pd.read_csv(path)
    tags: [io]
  - q: 漢字のカード
    a: 答え
""",
    "python.yaml": """\
deck: Python
cards:
  - id: py-append
    q: list.append?
    a: adds one item
    code: xs.append(1)
    note: works in place
""",
    "rust.yaml": """\
deck: Rust
cards:
  - id: rs-own
    q: Who owns it?
    a: The Owner
    tags: [rust::borrow]
""",
    "extra.yaml": """\
deck: PythonExtra
cards:
  - id: pe
    q: extra?
    a: Straße
""",
}
CJK = derived_key("Python::Pandas", "漢字のカード", None)  # the card with no id
ALL = {"pd-read", "pd-cjk", "py-append", "rs-own", "pe"}


def grade(store: Store, key: str, deck: str, day: int, g: int) -> int:
    """Grade ``key`` on study ``day`` with the real scheduler; the log row's id."""
    before = store.get(key)
    now = datetime.combine(datetime.fromordinal(day).date(), datetime.min.time(), UTC) + timedelta(hours=12)
    review = SM2.review(before or CardState(key=key, deck=deck), g, day=day, now=now)
    return store.record(before, review.after, grade=g, kind=review.kind, ts=utc_now_iso(now), day=day, answer_ms=900)


@pytest.fixture
def ws(tmp_path, clock):
    """Five cards with hand-made histories; ``ws.keys`` maps the short names to keys."""
    for name, text in DECKS.items():
        write_deck(tmp_path / "decks", name, text)
    w = open_workspace([str(tmp_path / "decks")], clock=clock, zone=clock.zone)
    cjk = CJK
    w.keys = {"pd-cjk": cjk}
    store, t = w.store, w.today
    grade(store, "py-append", "Python", t - 10, 4)  # reps 1, ivl 1
    grade(store, "py-append", "Python", t - 9, 4)  # reps 2, ivl 6: due t - 3
    for i in range(8):  # eight lapses: a pass, then a fail the next day
        grade(store, "rs-own", "Rust", t - 20 + 2 * i, 4)
        grade(store, "rs-own", "Rust", t - 19 + 2 * i, 1)
        if i == 0:
            grade(store, "rs-own", "Rust", t - 19, 0)  # a same-day repeat: no extra lapse
    grade(store, "pd-read", "Python::Pandas", t, 2)  # learning: back today
    grade(store, "pd-read", "Python::Pandas", t, 3)  # a repeat, still below 4
    grade(store, "pe", "PythonExtra", t - 1, 5)
    store.update("pe", "PythonExtra", "", buried_until=t + 1)
    store.update(cjk, "Python::Pandas", "", suspended=True)
    yield w
    w.close()


def keys(w, query: str, **kw) -> set[str]:
    back = {v: k for k, v in w.keys.items()}
    return {back.get(h.key, h.key) for h in w.search(query, **kw)}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ALL),
        ("read", {"pd-read"}),
        ("csv", {"pd-read"}),  # case-insensitive
        ("漢字", {"pd-cjk"}),
        ("カード", {"pd-cjk"}),  # CJK: inside a word
        ("STRASSE", {"pe"}),  # casefold: ß is ss
        ('"read a csv"', {"pd-read"}),
        ('"read csv"', set()),
        ("xs.append", {"py-append"}),  # the code
        ('"in place"', {"py-append"}),  # the note
        ("read*csv", {"pd-read"}),
        ("python", set()),  # bare words look in the text, not the deck or tags
        ("owner", {"rs-own"}),
        ("who owner", {"rs-own"}),  # implicit and
        ("who extra", set()),
    ],
)
def test_text(ws, query, expected):
    assert keys(ws, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("deck:python", {"py-append", "pd-read", "pd-cjk"}),  # subdecks, not PythonExtra
        ("deck:PYTHON::pandas", {"pd-read", "pd-cjk"}),
        ("deck:py*", {"py-append", "pd-read", "pd-cjk", "pe"}),
        ("deck:*pandas", {"pd-read", "pd-cjk"}),
        ('deck:"Python::Pandas"', {"pd-read", "pd-cjk"}),
        ("deck:pandas", set()),
        ("deck:*", ALL),
        ("tag:python", {"pd-read", "pd-cjk"}),  # the deck's tags count
        ("tag:IO", {"pd-read"}),
        ("tag:rust", {"rs-own"}),  # rust::borrow is under rust
        ("tag:borrow", set()),
        ("tag:*borrow", {"rs-own"}),
        ("tag:rust::borrow", {"rs-own"}),
        ("tag:none", {"py-append", "pe"}),
        ("id:pd-read", {"pd-read"}),
        ("id:pd-*", {"pd-read"}),
        ("id:pe,rs-own", {"pe", "rs-own"}),
        ("id:PE", set()),
    ],
)
def test_deck_tag_id(ws, query, expected):
    assert keys(ws, query) == expected


def test_id_by_key(ws):
    assert keys(ws, f"id:{ws.keys['pd-cjk']}") == {"pd-cjk"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("is:new", {"pd-cjk"}),
        ("is:learning", {"pd-read"}),
        ("is:review", {"py-append", "rs-own", "pe"}),
        ("is:due", {"py-append", "rs-own", "pd-read"}),  # pe is buried
        ("is:suspended", {"pd-cjk"}),
        ("is:buried", {"pe"}),
        ("is:leech", {"rs-own"}),
        ("IS:NEW", {"pd-cjk"}),
    ],
)
def test_is(ws, query, expected):
    assert keys(ws, query) == expected


def test_leech_threshold_comes_from_the_config(ws, tmp_path):
    ws.config = Config(leech_threshold=9)
    assert keys(ws, "is:leech") == set()
    ws.config = Config(leech_threshold=2)
    assert keys(ws, "is:leech") == {"rs-own"}
    (tmp_path / "c.toml").write_text("leech_threshold = 0\n")
    with pytest.raises(PyflashError, match=r"c.toml:1:1: 'leech_threshold' must be a whole number from 1"):
        load_config(tmp_path / "c.toml")
    (tmp_path / "c.toml").write_text("leech_threshold = 3\n")
    assert load_config(tmp_path / "c.toml").leech_threshold == 3


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("prop:ivl>=6", {"py-append"}),
        ("prop:ivl=1", {"rs-own", "pd-read", "pe"}),
        ("prop:ivl!=6", {"rs-own", "pd-read", "pe"}),  # a new card has no interval
        ("prop:ease<2.0", {"rs-own"}),
        ("prop:ease>2.5", {"pe"}),
        ("prop:ease=2.5", {"py-append"}),
        ("prop:ease<=2.18", {"pd-read", "rs-own"}),
        ("prop:ease<2.18", {"rs-own"}),
        ("prop:lapses>3", {"rs-own"}),
        ("prop:lapses=8", {"rs-own"}),
        ("prop:lapses=0", ALL - {"rs-own"}),
        ("prop:due<=0", {"py-append", "rs-own", "pe"}),
        ("prop:due=1", {"pd-read"}),
        ("prop:due<0", {"py-append", "rs-own"}),
        ("prop:due>=-3", {"py-append", "pe", "pd-read"}),
        ("prop:reps=2", {"py-append", "pd-read"}),
        ("prop:reps>16", {"rs-own"}),  # 16 grades and a repeat
    ],
)
def test_prop(ws, query, expected):
    assert keys(ws, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rated:1", {"pd-read"}),
        ("rated:2", {"pd-read", "pe"}),
        ("rated:1:2", {"pd-read"}),
        ("rated:1:3", {"pd-read"}),  # any grade of the day, repeats included
        ("rated:1:4", set()),
        ("rated:6", {"pd-read", "pe", "rs-own"}),
        ("rated:10", {"pd-read", "pe", "rs-own", "py-append"}),
        ("rated:30:0", {"rs-own"}),
    ],
)
def test_rated(ws, query, expected):
    assert keys(ws, query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("-is:new", ALL - {"pd-cjk"}),
        ("-deck:python", {"rs-own", "pe"}),
        ("is:new or is:buried", {"pd-cjk", "pe"}),
        ("is:new OR is:buried Or id:rs-own", {"pd-cjk", "pe", "rs-own"}),
        ("deck:python -(is:new or is:learning)", {"py-append"}),
        ("deck:python and -is:learning", {"py-append", "pd-cjk"}),
        ("(deck:rust or deck:pythonextra) prop:ivl=1", {"rs-own", "pe"}),
        ("deck:rust or deck:pythonextra prop:lapses>0", {"rs-own"}),  # and binds tighter than or
        ("--is:new", {"pd-cjk"}),
        ('"or"', {"py-append"}),  # quoted: the word itself (in "works")
    ],
)
def test_not_or_and_parentheses(ws, query, expected):
    assert keys(ws, query) == expected


def test_undone_grades_count_for_nothing(ws):
    review_id = grade(ws.store, "py-append", "Python", ws.today, 0)
    assert keys(ws, "rated:1:0") == {"py-append"}
    ws.store.undo(review_id, ts="2026-03-02T10:00:00.000+00:00", day=ws.today)
    assert keys(ws, "rated:1:0") == set()
    [hit] = ws.search("id:py-append")
    assert (hit.facts.reviews, hit.facts.lapses) == (2, 0)


def test_history_follows_a_relinked_card(ws):
    grade(ws.store, "old-name", "Python", ws.today - 3, 4)
    ws.store.connection.execute("DELETE FROM cards WHERE key = 'py-append'")
    ws.store.relink("old-name", "py-append", "", 0.9, "2026-03-02T10:00:00.000+00:00")
    [hit] = ws.search("id:py-append")
    assert hit.facts.reviews == 3 and keys(ws, "rated:4") >= {"py-append"}


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("due", ["rs-own", "py-append", "pe", "pd-read", "pd-cjk"]),
        ("lapses", ["rs-own", "pe", "pd-read", "pd-cjk", "py-append"]),  # ties: deck order (files by name)
        ("ease", ["rs-own", "pd-read", "py-append", "pe", "pd-cjk"]),
        ("ivl", ["pe", "pd-read", "rs-own", "py-append", "pd-cjk"]),
        ("deck", ["py-append", "pd-read", "pd-cjk", "pe", "rs-own"]),
    ],
)
def test_sort(ws, sort, order):
    back = {v: k for k, v in ws.keys.items()}
    assert [back.get(h.key, h.key) for h in ws.search("", sort=sort)] == order


def test_deck_order_without_sort(ws):
    files = [f.path.rsplit("/", 1)[-1] for f in ws.result.files]
    hits = [h.card.path.rsplit("/", 1)[-1] for h in ws.search("")]
    assert hits == sorted(hits, key=files.index)
    with pytest.raises(PyflashError, match=r"^unknown sort 'x' \(use one of: due, ivl, ease, lapses, deck\)$"):
        ws.search("", sort="x")


def test_hits_as_json(ws):
    [hit] = ws.search("id:py-append")
    assert hit.to_dict() == {
        "id": "py-append", "deck": "Python", "path": hit.card.path, "line": 3, "q": "list.append?",
        "state": "review", "due": (datetime.fromordinal(ws.today - 3).date()).isoformat(), "interval": 6,
        "ease": 2.5, "lapses": 0, "reviews": 2, "tags": [], "suspended": False, "buried": False,
    }
    [new] = ws.search("漢字")
    d = new.to_dict()
    assert (d["state"], d["due"], d["interval"], d["ease"], d["suspended"]) == ("new", None, None, None, True)


def test_a_workspace_without_history_sees_new_cards(tmp_path, clock):
    for name, text in DECKS.items():
        write_deck(tmp_path / "decks", name, text)
    with open_workspace([str(tmp_path / "decks")], clock=clock, zone=clock.zone, read_only=True) as w:
        assert len(w.search("is:new")) == 5 and w.search("is:due or rated:100 or prop:ivl>=0") == []


@pytest.mark.parametrize(
    ("query", "col", "says"),
    [
        ("(a", 1, "'(' is never closed"),
        ("a (b or c", 3, "'(' is never closed"),
        ("a (", 3, "'(' is never closed"),
        ("a)", 2, "')' has no matching '('"),
        ('tag:x "abc', 7, "quote is never closed"),
        ("or a", 1, "'or' needs a search on its left"),
        ("a or", 3, "'or' needs a search on its right"),
        ("a or or b", 3, "'or' needs a search on its right"),
        ("a and", 3, "'and' needs a search on both sides"),
        ("- a", 1, "'-' needs a search right after it"),
        ("a -", 3, "'-' needs a search right after it"),
        ("(-)", 2, "'-' needs a search right after it"),
        ("x ()", 3, "empty parentheses"),
        ("x foo:bar", 3, "unknown search 'foo:'"),
        ("deck:", 6, "'deck:' needs a value"),
        ("is:old", 4, "unknown state 'is:old'"),
        ("prop:size>1", 6, "unknown property 'size'"),
        ("prop:ivl", 9, "'prop:ivl' needs a comparison"),
        ("prop:ivl>=1.5", 11, "needs a whole number"),
        ("prop:ease<two", 11, "needs a number such as 2.5"),
        ("rated:0", 7, "'rated:' needs a number of days"),
        ("rated:x", 7, "'rated:' needs a number of days"),
        ("rated:7:6", 9, "needs a grade from 0 to 5"),
        ("漢字 (", 4, "'(' is never closed"),  # columns count characters
    ],
)
def test_malformed_queries_name_the_column(query, col, says):
    with pytest.raises(PyflashError) as err:
        parse(query)
    message = str(err.value)
    assert message.startswith(f"query:{col}: ") and says in message, message


def test_the_core_search_function_keeps_working(ws):
    from pyflash.core import search

    assert [c.key for c in search(ws.result.files, "CSV")] == ["pd-read"]
    assert [c.key for c in search(ws.result.files, "", deck="Rust")] == ["rs-own"]
    assert find(ws.result.files, "is:due", None, today=ws.today) == []


# -- the CLI ---------------------------------------------------------------


@pytest.fixture
def cli_decks(tmp_path, monkeypatch):
    """Decks and two grades today (pd-read: 5, the CJK card: 1) on a fixed clock and zone the CLI uses too."""
    from zoneinfo import ZoneInfo

    for name, text in DECKS.items():
        write_deck(tmp_path / "decks", name, text)
    clock = FakeClock(datetime(2026, 3, 2, 15, 30, tzinfo=UTC), zone=ZoneInfo("Pacific/Kiritimati"))  # 05:30 next day there
    monkeypatch.setattr(
        workspace_module, "open_workspace", functools.partial(workspace_module.open_workspace, clock=clock, zone=clock.zone)
    )
    with workspace_module.open_workspace([str(tmp_path / "decks")], locations=_locations()) as w:
        session = w.session(deck="Python::Pandas")
        for g in (5, 1):
            session.reveal()
            session.grade(g)
        assert {k for k, in w.store.connection.execute("SELECT key FROM reviews")} == {"pd-read", CJK}
    return str(tmp_path / "decks")


def _locations():
    from pyflash import paths

    return paths.locations()


def test_cli_json(cli_decks, capsys):
    code, out, err = run_main(["search", "rated:1", cli_decks, "--json"], capsys)
    assert code == 0, err
    rows = json.loads(out)
    assert {r["id"] for r in rows} == {"pd-read", CJK}
    assert all(
        set(r) >= {"id", "deck", "path", "line", "q", "state", "due", "interval", "ease", "lapses", "reviews", "tags"}
        for r in rows
    )
    by_id = {r["id"]: r for r in rows}
    assert by_id["pd-read"]["state"] == "review" and by_id["pd-read"]["due"] == "2026-03-04"  # 03-03 there
    assert by_id["pd-read"]["tags"] == ["python", "io"] and by_id["pd-read"]["reviews"] == 1
    assert by_id[CJK]["state"] == "learning" and by_id[CJK]["q"] == "漢字のカード"
    code, out, _ = run_main(["search", "deck:python tag:io", cli_decks, "--json"], capsys)
    assert [r["id"] for r in json.loads(out)] == ["pd-read"]
    code, out, _ = run_main(["search", "rated:1:1", cli_decks, "--json"], capsys)
    assert [r["id"] for r in json.loads(out)] == [CJK]


def test_cli_table_and_sort(cli_decks, capsys):
    code, out, _ = run_main(["search", "deck:python", cli_decks, "--sort", "due"], capsys)
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["ID", "Deck", "State", "Due", "Ivl", "Ease", "Lapses", "Reviews", "Question"]
    assert [line.split()[0] for line in lines[2:-1]] == ["pd-read", CJK, "py-append"]  # a tie keeps deck order
    assert lines[-1] == "3 card(s)"
    assert "\x1b" not in out
    code, out, _ = run_main(["search", "nothing-like-this", cli_decks], capsys)
    assert code == 0 and out.strip() == "no cards found"


def test_cli_malformed_query_exits_2_with_the_column(cli_decks, capsys):
    code, out, err = run_main(["search", "deck:python (is:new", cli_decks], capsys)
    assert code == 2 and out == ""
    assert err.strip() == "pyflash: query:13: this '(' is never closed (add ')')"
