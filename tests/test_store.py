"""The review store: durability, undo from the log, migrations, corruption."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT
from pyflash import paths
from pyflash.core.errors import StoreError
from pyflash.core.review.store import SCHEMA_VERSION, CardState, Store
from pyflash.core.scheduling.sm2 import Easiness


def test_store_lives_in_pyflash_home(pyflash_home):
    with Store(paths.store_path()) as store:
        assert store.path == pyflash_home / "data" / "reviews.sqlite3"
        assert store.schema_version == SCHEMA_VERSION
    assert paths.store_path().exists()


def test_record_and_undo_restore_the_exact_state(tmp_path):
    with Store(tmp_path / "r.sqlite3") as store:
        a = CardState("k", "D", "text", due_day=None)
        store.update("k", "D", "text")  # a row for a new card
        before = store.get("k")
        after = CardState("k", "D", "text", easiness=Easiness(2.6), interval=1, repetitions=1, due_day=11, last_day=10, last_grade=5, first_day=10)
        rid = store.record(before, after, grade=5, kind="review", ts="t", day=10, answer_ms=1200)
        assert store.get("k") == after
        undone = store.undo(ts="t2", day=10)
        assert undone.id == rid
        assert store.get("k") == before == a
        log = store.log("k")
        assert [e.kind for e in log] == ["review", "undo"]  # append-only
        assert log[0].answer_ms == 1200 and log[1].undoes == rid
        assert store.undo(ts="t3", day=10) is None  # nothing left to undo


def test_undo_of_a_first_review_removes_the_row(tmp_path):
    with Store(tmp_path / "r.sqlite3") as store:
        after = CardState("k", "D", "t", interval=1, repetitions=1, due_day=2, last_day=1, last_grade=4, first_day=1)
        store.record(None, after, grade=4, kind="review", ts="t", day=1, answer_ms=None)
        store.undo(ts="t", day=1)
        assert store.get("k") is None


def test_undo_is_refused_after_a_later_action_on_the_card_even_one_that_changed_nothing(tmp_path):
    """Undo restores ``before``; the replay re-applies the later unsuspend to it instead (a row where
    there was none), so the store refuses, as for a card that changed; undone in order, both go."""
    with Store(tmp_path / "r.sqlite3") as store:
        after = CardState("k", "D", "t", interval=1, repetitions=1, due_day=2, last_day=1, last_grade=4, first_day=1)
        graded = store.record(None, after, grade=4, kind="review", ts="2026-01-01T10:00:00.000+00:00", day=1, answer_ms=None)
        unsuspended = store.change([("k", "D", "t")], kind="unsuspend", ts="2026-01-01T10:01:00.000+00:00", day=1, suspended=False)[0][0]
        assert store.get("k") == after  # the unsuspend changed nothing
        with pytest.raises(StoreError, match="changed after that grade"):
            store.undo(graded, ts="2026-01-01T10:02:00.000+00:00", day=1)
        assert store.get("k") == after
        store.undo(unsuspended, ts="2026-01-01T10:03:00.000+00:00", day=1)
        assert store.undo(graded, ts="2026-01-01T10:04:00.000+00:00", day=1).id == graded
        assert store.get("k") is None


def test_record_refuses_a_stale_before_state(tmp_path):
    with Store(tmp_path / "r.sqlite3") as store:
        store.update("k", "D", "t", suspended=True)
        with pytest.raises(StoreError):
            store.record(None, CardState("k", "D"), grade=4, kind="review", ts="t", day=1, answer_ms=None)


SRC = str(ROOT / "src")


@pytest.mark.parametrize("content", [b"this is not a database at all", b"SQLite format 3\x00" + b"\xff" * 200])
def test_corrupt_database_is_reported_and_never_overwritten(tmp_path, content):
    db = tmp_path / "r.sqlite3"
    db.write_bytes(content)
    with pytest.raises(StoreError, match="left untouched"):
        Store(db)
    assert db.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.sqlite3"]


def test_foreign_sqlite_database_is_refused(tmp_path):
    db = tmp_path / "r.sqlite3"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE other(x)")
    con.commit()
    con.close()
    before = db.read_bytes()
    with pytest.raises(StoreError, match="not a pyflash one"):
        Store(db)
    assert db.read_bytes() == before


def test_newer_schema_is_refused(tmp_path):
    db = tmp_path / "r.sqlite3"
    Store(db).close()
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="newer pyflash"):
        Store(db)


def test_migrations_run_from_an_empty_database(tmp_path):
    db = tmp_path / "r.sqlite3"
    sqlite3.connect(db).close()  # an empty SQLite file, version 0
    with Store(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        mode = store._db.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"


CHILD = textwrap.dedent(
    """
    import os, sys
    from datetime import datetime, timezone
    from pyflash import paths
    from pyflash.core.workspace import open_workspace
    ws = open_workspace([sys.argv[1]], locations=paths.locations(),
                        clock=lambda: datetime(2026, 3, 2, 10, tzinfo=timezone.utc))
    s = ws.session()
    n = int(sys.argv[2])
    for i in range(n):
        s.reveal()
        s.grade(4 if i % 2 else 5)
        print("graded", i, flush=True)
    print("done", ws.store.connection.execute("PRAGMA synchronous").fetchone()[0], flush=True)  # 2: FULL
    sys.stdin.readline()  # wait to be killed, with the store still open
    """
)


def test_sigkill_right_after_grading_loses_nothing(tmp_path):
    deck = tmp_path / "d.yaml"
    deck.write_text("deck: D\ncards:\n" + "".join(f"  - q: q{i}\n    a: a{i}\n" for i in range(5)), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(deck), "5"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": SRC},
    )
    lines = []
    for line in proc.stdout:
        lines.append(line.strip())
        if line.startswith("done"):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert proc.returncode == -signal.SIGKILL
    assert lines[-1] == "done 2" and len(lines) == 6  # synchronous=FULL outside the suite (conftest sets OFF)
    with Store(paths.store_path()) as store:
        grades = [e.grade for e in store.log() if e.kind != "undo"]
        assert grades == [5, 4, 5, 4, 5]
        assert len(store.states()) == 5


# -- faults: every SQLite error is a message naming the file, never a traceback --------


def fill(path, n=40) -> None:
    """A store with ``n`` graded cards (several pages, no free pages)."""
    with Store(path) as store:
        for i in range(n):
            after = CardState(f"k{i}", "D", "text " * 40, interval=1, repetitions=1, due_day=10,
                              last_day=9, last_grade=4, first_day=9)
            store.record(None, after, grade=4, kind="review", ts="t", day=9, answer_ms=100)


def damage(path, table: str | None = None) -> None:
    """Overwrite one page in the middle of the file (or of ``table``'s leaf pages) with junk."""
    page = 4096
    if table is not None:
        with contextlib.closing(sqlite3.connect(path)) as db:
            pages = [r[0] for r in db.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (table,))]
    data = bytearray(path.read_bytes())
    middle = (len(data) // page // 2) * page if table is None else (pages[len(pages) // 2] - 1) * page
    data[middle : middle + page] = b"\xab" * page
    path.write_bytes(bytes(data))


ROOT_USER = os.geteuid() == 0


@contextlib.contextmanager
def unwritable(path):
    """Make ``path`` (a file or folder) unwritable: chmod, or chattr +i for root (chmod does not stop root)."""
    if not ROOT_USER:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield "chmod u+w"
        finally:
            path.chmod(mode)
        return
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode:
        pytest.skip("cannot make a file unwritable for root here (no chattr +i)")
    try:
        yield "chattr -i"
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def grade_one(store, key="k1", day=20):
    before = store.get(key)
    after = CardState(key, "D", "t", interval=2, repetitions=2, due_day=day + 2, last_day=day, last_grade=5, first_day=9)
    return store.record(before, after, grade=5, kind="review", ts="t", day=day, answer_ms=10)


def test_unwritable_database_file_names_it_and_the_grade_can_be_retried(tmp_path):
    db = tmp_path / "r.sqlite3"
    fill(db)
    with unwritable(db) as fix:
        with Store(db) as store:  # reading works
            assert len(store.states()) == 40
            with pytest.raises(StoreError) as err:
                grade_one(store)
            message = str(err.value)
            assert message.startswith(f"{db}: cannot save the grade")
            assert fix in message and "grade it again" in message
            assert "Traceback" not in message and "move it away" not in message
            assert store.get("k1").last_grade == 4  # nothing half-written
            os.sync()
            # Fixed while the store is open: the same grade goes through (the file is reopened).
            subprocess.run(["chattr", "-i", str(db)], check=True) if ROOT_USER else db.chmod(0o644)
            grade_one(store)
            assert store.get("k1").last_grade == 5
            assert [e.grade for e in store.log("k1")] == [4, 5]
            if ROOT_USER:
                subprocess.run(["chattr", "+i", str(db)], check=True)  # the context manager undoes it
            else:
                db.chmod(0o444)


UNSHARE = ROOT_USER and shutil.which("unshare") is not None and subprocess.run(
    ["unshare", "--user", "true"], capture_output=True
).returncode == 0
as_owner = pytest.mark.skipif(not UNSHARE, reason="needs `unshare --user` to drop root's override of file modes")

CHILD_GRADE = textwrap.dedent(
    """
    import sys
    from pyflash.core.review.store import Store, CardState
    from pyflash.core.errors import StoreError
    try:
        with Store(sys.argv[1]) as s:
            s.update("k1", "D", "t", suspended=True)
        print("saved")
    except StoreError as exc:
        print(exc)
    """
)


def run_as_owner(db):
    """Run CHILD_GRADE as root without its capabilities (file modes apply), as an ordinary user would."""
    out = subprocess.run(
        ["unshare", "--user", sys.executable, "-c", CHILD_GRADE, str(db)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": SRC}, timeout=60,
    )
    assert "Traceback" not in out.stderr, out.stderr
    return out.stdout.strip()


@as_owner
def test_read_only_file_chmod(tmp_path):
    db = tmp_path / "r.sqlite3"
    fill(db)
    db.chmod(0o444)
    assert run_as_owner(db) == (
        f"{db}: cannot save the card (nothing was changed): the file is read-only (Permission denied); "
        f"make it writable with `chmod u+w {db}`"
    )


@as_owner
def test_read_only_folder_chmod_is_called_a_folder_that_cannot_be_written(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "r.sqlite3"
    fill(db)
    folder.chmod(0o555)
    try:
        message = run_as_owner(db)
    finally:
        folder.chmod(0o755)
    assert message.startswith(f"{db}: cannot ")
    assert f"the folder {folder} cannot be written (make it writable: `chmod u+w {folder}`)" in message
    assert "move it away" not in message and "unusable" not in message


def test_read_only_folder(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "r.sqlite3"
    fill(db)
    with unwritable(folder) as fix:
        with pytest.raises(StoreError) as err:
            Store(db)
    message = str(err.value)
    assert message.startswith(f"{db}: cannot open the review database: the folder {folder} cannot be written")
    assert fix in message
    assert "move it away" not in message and "not a usable" not in message


def test_full_disk_keeps_the_database_as_it_was(tmp_path):
    db = tmp_path / "r.sqlite3"
    fill(db)
    with Store(db) as store:
        pages = store.connection.execute("PRAGMA page_count").fetchone()[0]
        store.connection.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full from here
        with pytest.raises(StoreError) as err:
            store.update("big", "D", "x" * 20000)
        assert str(err.value) == (
            f"{db}: cannot save the card (nothing was changed): the disk is full "
            "(or the database reached its size limit); free some space and try again"
        )
        assert store.get("big") is None
        store.connection.execute(f"PRAGMA max_page_count = {pages * 10}")  # space freed
        store.update("big", "D", "x" * 20000)
        assert store.get("big").text == "x" * 20000


def test_locked_database(tmp_path):
    db = tmp_path / "r.sqlite3"
    fill(db)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        with Store(db, timeout=0.1) as store:
            with pytest.raises(StoreError) as err:
                grade_one(store)
            assert str(err.value).startswith(f"{db}: cannot save the grade")
            assert "locked by another program (is pyflash running twice?)" in str(err.value)
            other.execute("ROLLBACK")
            grade_one(store)
            assert store.get("k1").last_grade == 5
    finally:
        other.close()


def test_damaged_database_is_found_on_open(tmp_path):
    db = tmp_path / "r.sqlite3"
    fill(db)
    damage(db)
    before = db.read_bytes()
    with pytest.raises(StoreError) as err:
        Store(db)
    message = str(err.value)
    assert message.startswith(f"{db}: is damaged (")
    assert "the file was left untouched; run `pyflash doctor --repair`" in message
    assert db.read_bytes() == before


def test_damage_found_after_open_is_a_message_too(tmp_path):
    db = tmp_path / "r.sqlite3"
    fill(db)
    damage(db, "reviews")  # a page the log is read from (the middle of the file may be an index)
    with Store(db, check=False) as store:  # damage that the open check did not see
        with pytest.raises(StoreError) as err:
            store.log()
    assert str(err.value).startswith(f"{db}: cannot read the review log: the database is damaged")
    assert "pyflash doctor --repair" in str(err.value)


def test_a_fifo_is_called_a_fifo(tmp_path):
    db = tmp_path / "r.sqlite3"
    os.mkfifo(db)
    with pytest.raises(StoreError) as err:
        Store(db)
    assert str(err.value) == f"{db}: is a FIFO (named pipe), not a database file; remove it or set PYFLASH_HOME to keep the data elsewhere"


def test_a_looping_symlink_is_called_that(tmp_path):
    db = tmp_path / "r.sqlite3"
    db.symlink_to(db.name)
    with pytest.raises(StoreError) as err:
        Store(db)
    assert str(err.value) == f"{db}: is a symbolic link that loops back on itself; fix or remove the link"


def test_a_dangling_symlink_and_a_folder(tmp_path):
    db = tmp_path / "r.sqlite3"
    db.symlink_to(tmp_path / "gone" / "x.sqlite3")
    with pytest.raises(StoreError, match="is a symbolic link to .*x.sqlite3, which does not exist"):
        Store(db)
    folder = tmp_path / "f.sqlite3"
    folder.mkdir()
    with pytest.raises(StoreError, match=r"f.sqlite3: is a folder, not a database file"):
        Store(folder)


@pytest.mark.parametrize("fault", ["damaged", "fifo", "loop"])
def test_cli_store_faults_exit_2_without_traceback(fault, pyflash_home, small_deck):
    db = paths.store_path()
    db.parent.mkdir(parents=True)
    if fault == "damaged":
        fill(db)
        damage(db)
        expected = f"{db}: is damaged ("
    elif fault == "fifo":
        os.mkfifo(db)
        expected = f"{db}: is a FIFO (named pipe)"
    else:
        db.symlink_to(db.name)
        expected = f"{db}: is a symbolic link that loops back on itself"
    out = subprocess.run(
        [sys.executable, "-m", "pyflash", "decks", str(small_deck)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": SRC}, timeout=60,
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert out.stderr.startswith(f"pyflash: {expected}") and out.stderr.count("\n") == 1


# -- the study session: a grade that could not be saved is neither lost nor counted ---


def test_session_grade_that_cannot_be_saved_leaves_the_session_as_it_was(small_deck, clock):
    from conftest import open_workspace

    db = paths.store_path()
    with open_workspace([str(small_deck)], clock=clock) as ws:  # makes the store
        s = ws.session()
        s.reveal()
        s.grade(4)
    with unwritable(db) as _fix, open_workspace([str(small_deck)], clock=clock) as ws:
        s = ws.session()
        card, counts, progress = s.current, s.counts(), s.progress()
        s.reveal()
        with pytest.raises(StoreError, match="cannot save the grade"):
            s.grade(5)
        assert (s.current, s.counts(), s.progress(), s.revealed) == (card, counts, progress, True)
        assert not s.can_undo and s.summary().reviewed == 0
        with pytest.raises(StoreError, match="cannot save the card"):
            s.bury()
        assert s.current == card and s.counts() == counts
        subprocess.run(["chattr", "-i", str(db)], check=True) if ROOT_USER else db.chmod(0o644)
        outcome = s.grade(5)  # the same grade, retried
        assert outcome.card == card and s.summary().reviewed == 1
        assert [(e.key, e.grade) for e in ws.store.log()][-1] == (card.key, 5)
        if ROOT_USER:
            subprocess.run(["chattr", "+i", str(db)], check=True)


async def test_study_screen_shows_an_unsaved_grade_and_keeps_running(small_deck, clock):
    from conftest import open_workspace
    from pyflash.ui.app import make_app
    from pyflash.ui.study import StudyScreen

    db = paths.store_path()
    with open_workspace([str(small_deck)], clock=clock) as ws:
        ws.store.update("seed", "Other", "t")  # a store with something in it
    with unwritable(db) as fix:
        ws = open_workspace([str(small_deck)], clock=clock)
        app = make_app(ws, theme="textual-dark", animations=False)
        try:
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                screen = app.screen
                assert isinstance(screen, StudyScreen)
                first = screen.session.current
                await pilot.press("space")
                await pilot.press("4")
                await pilot.pause()
                notes = list(app._notifications)
                assert len(notes) == 1 and notes[0].title == "Not saved"
                assert notes[0].message.startswith(f"{db}: cannot save the grade") and fix in notes[0].message
                assert app.is_running and app.screen is screen
                assert screen.session.current == first and screen.session.revealed
                assert ws.store.log() == []
                # Writable again: the same key gives the same grade, and it is stored.
                subprocess.run(["chattr", "-i", str(db)], check=True) if ROOT_USER else db.chmod(0o644)
                await pilot.press("4")
                await pilot.pause()
                assert screen.session.current != first
                assert [(e.key, e.grade) for e in ws.store.log()] == [(first.key, 4)]
                if ROOT_USER:
                    subprocess.run(["chattr", "+i", str(db)], check=True)
        finally:
            ws.close()
