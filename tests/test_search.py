"""The search language (docs/search.md): every operator, errors with their column, a model check, the CLI."""

from __future__ import annotations

import fnmatch
import functools
import json
import operator
import re
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pyflash.core
from conftest import FakeClock, open_workspace, run_main, write_deck
from pyflash import paths
from pyflash.core import search
from pyflash.core import workspace as workspace_module
from pyflash.core.config import Config, load_config
from pyflash.core.decks.model import Card, DeckFile, derived_key
from pyflash.core.errors import PyflashError
from pyflash.core.locations import Locations
from pyflash.core.query import search as search_module
from pyflash.core.query.facts import load_facts
from pyflash.core.query.parser import parse
from pyflash.core.query.search import find
from pyflash.core.query.table import cell_width, hit_table
from pyflash.core.review import leech
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


def grade(store: Store, key: str, deck: str, day: int, g: int, *, threshold: int = 8) -> int:
    """Grade ``key`` on study ``day`` with the real scheduler, marking leeches as a session does; the log row's id."""
    before = store.get(key)
    now = datetime.combine(datetime.fromordinal(day).date(), datetime.min.time(), UTC) + timedelta(hours=12)
    review = SM2.review(before or CardState(key=key, deck=deck), g, day=day, now=now)
    after, _ = leech.apply(store, Config(leech_threshold=threshold), before, review.after, g, review.kind)
    return store.record(before, after, grade=g, kind=review.kind, ts=utc_now_iso(now), day=day, answer_ms=900)


def _history_workspace(folder, clock):
    """Five cards with hand-made histories; ``w.keys`` maps the short names to keys."""
    for name, text in DECKS.items():
        write_deck(folder / "decks", name, text)
    where = Locations(store=folder / "r.sqlite3", config=folder / "none.toml", deck_sources=())
    w = workspace_module.open_workspace([str(folder / "decks")], locations=where, clock=clock, zone=clock.zone)
    w.keys = {"pd-cjk": CJK}
    store, t = w.store, w.today
    store.connection.execute("PRAGMA synchronous=OFF")  # a test store: no need to wait for the disk
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
    store.update(CJK, "Python::Pandas", "", suspended=True)
    return w


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One workspace for the tests that only read (it must not be changed)."""
    w = _history_workspace(tmp_path_factory.mktemp("search"), FakeClock())
    yield w
    w.close()


@pytest.fixture
def ws(shared):
    return shared


@pytest.fixture
def own_ws(tmp_path):
    """A workspace of its own, for a test that changes it."""
    w = _history_workspace(tmp_path, FakeClock())
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


def test_is_leech_finds_the_marked_cards(own_ws, tmp_path):
    own_ws.config = Config(leech_threshold=9)  # the mark made on the 8th lapse stays
    assert keys(own_ws, "is:leech") == {"rs-own"}
    own_ws.store.update("pe", "PythonExtra", "", leech=True)
    assert keys(own_ws, "is:leech") == {"rs-own", "pe"} and keys(own_ws, "-is:leech") == ALL - {"rs-own", "pe"}
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


def test_undone_grades_count_for_nothing(own_ws):
    review_id = grade(own_ws.store, "py-append", "Python", own_ws.today, 0)
    assert keys(own_ws, "rated:1:0") == {"py-append"}
    own_ws.store.undo(review_id, ts="2026-03-02T10:00:00.000+00:00", day=own_ws.today)
    assert keys(own_ws, "rated:1:0") == set()
    [hit] = own_ws.search("id:py-append")
    assert (hit.facts.reviews, hit.facts.lapses) == (2, 0)


@pytest.mark.parametrize("keyed", [0, 5000])
def test_hits_get_their_counts_when_the_query_needs_none(ws, monkeypatch, keyed):
    monkeypatch.setattr(search_module, "_KEYED_COUNTS", keyed)  # 0: one pass over the whole log
    got = {h.key: (h.facts.reviews, h.facts.lapses) for h in ws.search("deck:rust or deck:python")}
    assert got == {"rs-own": (17, 8), "py-append": (2, 0), "pd-read": (2, 0), CJK: (0, 0)}


def test_history_follows_a_relinked_card(own_ws):
    grade(own_ws.store, "old-name", "Python", own_ws.today - 3, 4)
    own_ws.store.connection.execute("DELETE FROM cards WHERE key = 'py-append'")
    own_ws.store.relink("old-name", "py-append", "", 0.9, "2026-03-02T10:00:00.000+00:00")
    [hit] = own_ws.search("id:py-append")
    assert hit.facts.reviews == 3 and keys(own_ws, "rated:4") >= {"py-append"}


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
        "leech": False,
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
    assert [c.key for c in search(ws.result.files, "CSV")] == ["pd-read"]
    assert [c.key for c in search(ws.result.files, "", deck="Rust")] == ["rs-own"]
    assert find(ws.result.files, "is:due", None, today=ws.today) == []


# -- the CLI ---------------------------------------------------------------


@pytest.fixture
def cli_decks(tmp_path, monkeypatch):
    """Decks and two grades today (pd-read: 5, the CJK card: 1) on a fixed clock and zone the CLI uses too."""
    for name, text in DECKS.items():
        write_deck(tmp_path / "decks", name, text)
    clock = FakeClock(datetime(2026, 3, 2, 15, 30, tzinfo=UTC), zone=ZoneInfo("Pacific/Kiritimati"))  # 05:30 next day there
    patched = functools.partial(workspace_module.open_workspace, clock=clock, zone=clock.zone)
    monkeypatch.setattr(workspace_module, "open_workspace", patched)
    monkeypatch.setattr(pyflash.core, "open_workspace", patched, raising=False)  # the CLI imports it from the API
    with workspace_module.open_workspace([str(tmp_path / "decks")], locations=_locations()) as w:
        session = w.session(deck="Python::Pandas")
        for g in (5, 1):
            session.reveal()
            session.grade(g)
        assert {k for k, in w.store.connection.execute("SELECT key FROM reviews")} == {"pd-read", CJK}
    return str(tmp_path / "decks")


def _locations():
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
    assert lines[-1] == "3 cards"
    assert "\x1b" not in out
    code, out, _ = run_main(["search", "nothing-like-this", cli_decks], capsys)
    assert code == 0 and out.strip() == "no cards found"


def test_cli_malformed_query_exits_2_with_the_column(cli_decks, capsys):
    code, out, err = run_main(["search", "deck:python (is:new", cli_decks], capsys)
    assert code == 2 and out == ""
    assert err.strip() == "pyflash: query:13: this '(' is never closed (add ')')"


# -- a model check: random stores and queries against a plain Python filter ----

_TODAY = datetime(2026, 3, 2).toordinal()
_DECK_NAMES = ["A", "A::B", "Ab", "C::D::E"]
_TAGS = ["x", "x::y", "Y", "z"]
_WORDS = ["alpha", "Beta", "漢字", "カード", "straße", "gamma delta"]
_LEAVES = {
    "text": ["alpha", "BETA", "漢", "カー", "STRASSE", "a*a", "ta", '"gamma delta"', '"beta alpha"'],
    "deck": ["A", "a::b", "A*", "*b", "C", "c::d", "*", "c::d::e"],
    "tag": ["x", "X::Y", "y", "*y", "none", "z*"],
    "id": ["c1", "c*", "c2,c3"],
    "is": ["new", "due", "review", "learning", "suspended", "buried", "leech"],
}


def _leaf():
    prop = st.tuples(
        st.sampled_from(["ivl", "ease", "lapses", "due", "reps"]),
        st.sampled_from(["=", "!=", "<", "<=", ">", ">="]),
        st.integers(-5, 10),
    ).map(lambda t: ("prop", f"{t[0]}{t[1]}{t[2] if t[0] != 'ease' else ['1.3', '2.5', '2.18', '2', '3'][t[2] % 5]}"))
    rated = st.tuples(st.integers(1, 14), st.none() | st.integers(0, 5)).map(
        lambda t: ("rated", f"{t[0]}" if t[1] is None else f"{t[0]}:{t[1]}")
    )
    plain = st.sampled_from([(kind, value) for kind, values in _LEAVES.items() for value in values])
    return plain | prop | rated


def _queries():
    return st.recursive(
        _leaf(),
        lambda inner: st.tuples(st.just("not"), inner)
        | st.tuples(st.sampled_from(["and", "or"]), st.lists(inner, min_size=2, max_size=3), st.booleans()),
        max_leaves=6,
    )


def _render(node) -> str:
    kind = node[0]
    if kind == "not":
        return "-" + _wrap(node[1])
    if kind in ("and", "or"):
        joiner = {("and", True): " and ", ("and", False): " ", ("or", True): " OR ", ("or", False): " or "}
        return joiner[kind, node[2]].join(_wrap(n) for n in node[1])
    return node[1] if kind == "text" else f"{kind}:{node[1]}"


def _wrap(node) -> str:
    return f"({_render(node)})" if node[0] in ("and", "or", "not") else _render(node)


class _Model:
    """What the store says, worked out in plain Python from its log and states."""

    def __init__(self, store: Store, threshold: int) -> None:
        log = store.log()
        undone = {e.undoes for e in log if e.undoes is not None}
        self.live = [e for e in log if e.kind in ("review", "repeat") and e.grade is not None and e.id not in undone]
        self.states = store.states()
        self.threshold = threshold

    def lapses(self, key: str) -> int:
        return sum(
            1 for e in self.live
            if e.key == key and e.kind == "review" and e.grade < 3 and e.before is not None and e.before.repetitions > 0
        )

    def value(self, card, name: str):
        row = self.states.get(card.key)
        if name == "lapses":
            return Fraction(self.lapses(card.key))
        if name == "reps":
            return Fraction(sum(1 for e in self.live if e.key == card.key))
        if row is None or row.due_day is None:
            return None
        return {"ivl": Fraction(row.interval), "ease": Fraction(row.easiness.cents, 100),
                "due": Fraction(row.due_day - _TODAY)}[name]

    def is_(self, card, what: str) -> bool:
        row = self.states.get(card.key)
        learned = row is not None and row.due_day is not None
        learning = learned and row.last_day == _TODAY and row.last_grade < 4
        buried = row is not None and row.buried_until is not None and _TODAY < row.buried_until
        suspended = row is not None and row.suspended
        return {
            "new": not learned,
            "learning": learning,
            "review": learned and not learning,
            "due": learned and not suspended and not buried
            and (learning or (row.due_day <= _TODAY and row.last_day != _TODAY)),
            "suspended": suspended,
            "buried": buried,
            "leech": self.lapses(card.key) >= self.threshold,  # the mark, made by the grade that got there
        }[what]

    def match(self, node, card) -> bool:
        kind = node[0]
        if kind == "not":
            return not self.match(node[1], card)
        if kind in ("and", "or"):
            results = [self.match(n, card) for n in node[1]]
            return all(results) if kind == "and" else any(results)
        value = node[1]
        if kind == "text":
            text = "\n".join(p for p in (card.q, card.a, card.code, card.output, card.note) if p).casefold()
            return fnmatch.fnmatchcase(text, "*" + value.strip('"').casefold() + "*")
        if kind in ("deck", "tag"):
            names = [card.deck] if kind == "deck" else list(card.tags)
            if kind == "tag" and value == "none":
                return not names
            pat = value.casefold()
            return any(fnmatch.fnmatchcase(n.casefold(), pat) or fnmatch.fnmatchcase(n.casefold(), pat + "::*")
                       for n in names)
        if kind == "id":
            return any(fnmatch.fnmatchcase(card.key, p) for p in value.split(","))
        if kind == "is":
            return self.is_(card, value)
        if kind == "rated":
            days, _, g = value.partition(":")
            return any(
                e.key == card.key and e.day > _TODAY - int(days) and (not g or e.grade == int(g)) for e in self.live
            )
        name, op, number = re.fullmatch(r"([a-z]+)(<=|>=|!=|=|<|>)(.+)", value).groups()
        mine = self.value(card, name)
        ops = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
               ">=": operator.ge}
        return mine is not None and ops[op](mine, Fraction(number))


def _world():
    card = st.fixed_dictionaries({
        "deck": st.sampled_from(_DECK_NAMES),
        "tags": st.lists(st.sampled_from(_TAGS), max_size=2, unique=True),
        "q": st.lists(st.sampled_from(_WORDS), min_size=1, max_size=3).map(" ".join),
        "a": st.lists(st.sampled_from(_WORDS), max_size=2).map(" ".join),
        "history": st.lists(st.tuples(st.integers(-14, 0), st.integers(0, 5), st.booleans()), max_size=8),
        "suspended": st.booleans(),
        "buried": st.booleans(),
    })
    return st.lists(card, min_size=1, max_size=6)


def _build(world, store: Store, threshold: int):
    cards = []
    for i, c in enumerate(world):
        key = f"c{i}"
        cards.append(Card(key, key, c["deck"], c["q"], c["a"] or None, None, None, None, None,
                          tuple(c["tags"]), None, (), f"{c['deck']}.yaml", i + 1, 1, i + 1))
        for offset, g, undo in sorted(c["history"], key=lambda h: h[0]):
            review_id = grade(store, key, c["deck"], _TODAY + offset, g, threshold=threshold)
            if undo:
                store.undo(review_id, ts="2026-03-02T12:00:00.000+00:00", day=_TODAY + offset)
        if c["suspended"]:
            store.update(key, c["deck"], "", suspended=True)
        if c["buried"]:
            store.update(key, c["deck"], "", buried_until=_TODAY + 1)
    files: dict[str, list[Card]] = {}
    for card in cards:
        files.setdefault(card.deck, []).append(card)
    return cards, [DeckFile(f"{deck}.yaml", deck, cards=tuple(group)) for deck, group in files.items()]


def test_queries_agree_with_a_plain_python_filter(tmp_path):
    counter = iter(range(10**6))

    @settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(world=_world(), queries=st.lists(_queries(), min_size=1, max_size=8), threshold=st.integers(1, 3))
    def check(world, queries, threshold):
        with Store(tmp_path / f"s{next(counter)}.sqlite3", check=False) as store:
            store.connection.execute("PRAGMA synchronous=OFF")
            cards, files = _build(world, store, threshold)
            model = _Model(store, threshold)
            facts = load_facts(store, since_day=_TODAY - 14)
            for card in cards:
                mine = facts.get(card.key)
                assert mine.lapses == model.lapses(card.key), card.key
                assert mine.reviews == model.value(card, "reps"), card.key
            for node in queries:
                text = _render(node)
                hits = find(files, text, store, today=_TODAY)
                want = [c.key for c in cards if model.match(node, c)]
                assert sorted(h.key for h in hits) == sorted(want), (text, node)
                for hit in hits:  # counted with the query, or afterwards for the hits only
                    assert (hit.facts.lapses, hit.facts.reviews) == (
                        model.lapses(hit.key), model.value(hit.card, "reps")), (text, hit.key)

    check()


def test_the_table_lines_up_wide_characters(ws):
    cards = [
        Card(key, key, deck, "q?", "a", None, None, None, None, (), None, (), "d.yaml", n, 1, n)
        for n, (key, deck) in enumerate([("k1", "漢字::デッキ"), ("k2", "A")], start=1)
    ]
    lines = hit_table(find([DeckFile("d.yaml", "x", cards=tuple(cards))], "", None, today=_TODAY)).splitlines()
    assert [cell_width(line[: line.index("new")]) for line in lines[2:4]] == [cell_width(lines[0][: lines[0].index("State")])] * 2
    assert lines[-1] == "2 cards" and hit_table([]) == "no cards found" and cell_width("漢字a") == 5
    lines = hit_table(ws.search("deck:python::pandas")).splitlines()
    assert "new (suspended)" in lines[3] and "漢字のカード" in lines[3] and lines[-1] == "2 cards"


def test_cli_query_may_start_with_a_minus(cli_decks, capsys):
    code, out, err = run_main(["search", "-deck:python", cli_decks, "--json"], capsys)
    assert code == 0, err
    assert {r["id"] for r in json.loads(out)} == {"rs-own", "pe"}
    code, out, _ = run_main(["search", "-h"], capsys)
    assert code == 0 and out.startswith("Usage: pyflash search [OPTIONS] QUERY")
