"""History survives edits: ids, derived keys, relinking and orphans."""

from __future__ import annotations

from conftest import open_workspace, write_deck


def review_all(ws, grade=5):
    s = ws.session()
    while not s.finished:
        s.reveal()
        s.grade(grade)


def state_of(ws, q):
    card = next(c for c in ws.cards if c.q == q)
    return ws.store.get(card.key)


def test_reorder_move_and_answer_edits_keep_history(tmp_path, clock):
    d = tmp_path / "decks"
    write_deck(d, "one.yaml", "deck: D\ncards:\n  - q: alpha question\n    a: x\n  - q: beta question\n    a: y\n")
    with open_workspace([d], clock=clock) as ws:
        review_all(ws)
    (d / "one.yaml").write_text("deck: D\ncards:\n  - q: beta question\n    a: changed\n    note: n\n    tags: [t]\n", encoding="utf-8")
    write_deck(d, "two.yaml", "deck: D\ncards:\n  - q: alpha question\n    a: x\n")
    with open_workspace([d], clock=clock) as ws:
        assert state_of(ws, "alpha question").repetitions == 1
        assert state_of(ws, "beta question").repetitions == 1
        assert ws.report.orphans == [] and ws.report.relinked == []


def test_small_q_edit_is_relinked_once_and_reported(tmp_path, clock):
    d = tmp_path / "decks"
    path = write_deck(d, "d.yaml", "deck: D\ncards:\n  - q: What does list.append return?\n    a: None\n")
    with open_workspace([d], clock=clock) as ws:
        review_all(ws)
    path.write_text("deck: D\ncards:\n  - q: What does list.append() return?\n    a: None\n", encoding="utf-8")
    with open_workspace([d], clock=clock) as ws:
        assert len(ws.report.relinked) == 1
        assert state_of(ws, "What does list.append() return?").repetitions == 1
        assert len(ws.store.relinks()) == 1
    with open_workspace([d], clock=clock) as ws:
        assert ws.report.relinked == []  # recorded once
        assert len(ws.store.relinks()) == 1


def test_large_edit_starts_a_new_card_and_lists_the_orphan(tmp_path, clock):
    d = tmp_path / "decks"
    path = write_deck(d, "d.yaml", "deck: D\ncards:\n  - q: What does list.append return?\n    a: None\n")
    with open_workspace([d], clock=clock) as ws:
        review_all(ws)
    path.write_text("deck: D\ncards:\n  - q: Name three immutable built-in types.\n    a: int, str, tuple\n", encoding="utf-8")
    with open_workspace([d], clock=clock) as ws:
        assert ws.report.relinked == []
        assert [o.text.split("\n")[0] for o in ws.report.orphans] == ["What does list.append return?"]
        assert state_of(ws, "Name three immutable built-in types.") is None


def test_id_keeps_history_through_any_edit(tmp_path, clock):
    d = tmp_path / "decks"
    path = write_deck(d, "d.yaml", "deck: D\ncards:\n  - id: k1\n    q: old question\n    code: x = 1\n    a: a\n")
    with open_workspace([d], clock=clock) as ws:
        review_all(ws)
    path.write_text("deck: Renamed\ncards:\n  - id: k1\n    q: a completely different question\n    code: y = 2\n    a: b\n", encoding="utf-8")
    with open_workspace([d], clock=clock) as ws:
        assert ws.store.get("k1").repetitions == 1


def test_no_relinking_while_a_deck_is_broken(tmp_path, clock):
    d = tmp_path / "decks"
    write_deck(d, "d.yaml", "deck: D\ncards:\n  - q: What does list.append return?\n    a: None\n")
    write_deck(d, "e.yaml", "deck: D\ncards:\n  - q: What does list.append return??\n    a: None\n")
    with open_workspace([d / "d.yaml"], clock=clock) as ws:
        review_all(ws)
    (d / "d.yaml").write_text("deck: D\ncards:\n  - q: [broken\n", encoding="utf-8")
    with open_workspace([d], clock=clock) as ws:
        assert ws.report.relinked == [] and ws.result.errors


def test_successor_follows_edits(tmp_path, clock):
    d = tmp_path / "decks"
    path = write_deck(d, "d.yaml", "deck: D\ncards:\n  - q: What does list.append return?\n    a: None\n  - q: fresh card\n    a: x\n")
    with open_workspace([d], clock=clock) as ws:
        s = ws.session()
        s.reveal()
        s.grade(5)  # only the first card has history
        old_reviewed, old_fresh = ws.cards
        path.write_text("deck: D\ncards:\n  - q: What does list.append() return?\n    a: None\n  - q: a totally new question\n    a: x\n", encoding="utf-8")
        report = ws.reload()
        new_reviewed, new_fresh = ws.cards
        assert ws.successor(old_reviewed, report) == new_reviewed.key  # relinked history
        assert ws.successor(old_fresh, report) == new_fresh.key  # same place in the file
        assert ws.successor(new_fresh, report) == new_fresh.key
