"""`pyflash doctor`: the full check, repair, daily backups and restore."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from datetime import date

import pytest

from conftest import ROOT, open_workspace, run_main
from pyflash import paths
from pyflash.core.config import load_config
from pyflash.core.errors import PyflashError
from pyflash.core.review.backup import daily_backup, list_backups
from pyflash.core.review.store import CardState, Store
from test_store import damage, fill


def counts(db) -> tuple[int, int]:
    con = sqlite3.connect(db)
    try:
        return tuple(con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("cards", "reviews"))
    finally:
        con.close()


def test_doctor_on_a_whole_database(capsys):
    db = paths.store_path()
    fill(db)
    code, out, err = run_main(["doctor"], capsys)
    assert code == 0, err
    assert out.splitlines()[0].startswith(f"{db}: whole (full integrity check passed): 40 cards, 40 reviews, 0 relinks; ")
    assert "backups: 0 in" in out
    code, out, _ = run_main(["doctor", "--repair"], capsys)
    assert code == 0 and out.splitlines()[-1] == "nothing to repair"


def test_doctor_without_a_database(capsys):
    code, out, _ = run_main(["doctor"], capsys)
    assert code == 0 and "no review database yet" in out


def test_doctor_reports_damage_and_exits_2(capsys):
    db = paths.store_path()
    fill(db)
    damage(db)
    code, out, err = run_main(["doctor"], capsys)
    assert code == 2
    assert out.startswith(f"{db}: ")
    assert err.startswith(f"pyflash: {db}: the database is damaged (") and "`pyflash doctor --repair`" in err
    assert "Traceback" not in out + err


def test_doctor_repair_copies_every_readable_row_and_keeps_the_damaged_file(capsys):
    db = paths.store_path()
    fill(db, 300)
    damage(db)
    damaged_bytes = db.read_bytes()
    code, out, err = run_main(["doctor", "--repair"], capsys)
    assert code == 0, err
    assert out.startswith(f"repaired {db}: copied ")
    aside = [p for p in db.parent.iterdir() if re.fullmatch(r"reviews\.sqlite3\.damaged-\d{8}-\d{6}", p.name)]
    assert len(aside) == 1 and aside[0].read_bytes() == damaged_bytes
    assert f"the damaged file was kept as {aside[0]}" in out
    cards, reviews = counts(db)
    assert 250 <= reviews <= 300  # at most a page of rows is lost, the rest is copied
    assert cards == 300  # every card: read from its table or rebuilt from its last logged grade
    code, out, _ = run_main(["doctor"], capsys)
    assert code == 0 and "whole" in out
    with Store(db) as store:  # and pyflash uses it again
        assert store.get("k299").last_grade == 4


def test_repair_keeps_the_fsrs_memory_of_copied_and_rebuilt_cards(capsys):
    db = paths.store_path()
    with Store(db) as store:
        for i in range(300):
            after = CardState(f"k{i}", "D", "text " * 40, interval=1, repetitions=1, due_day=10, last_day=9,
                              last_grade=4, first_day=9, memory=f'{{"s": {i}.5, "d": 5.0}}')
            store.record(None, after, grade=4, kind="review", ts="t", day=9, answer_ms=100)
    damage(db, "cards")  # some card rows are lost: rebuilt from the log, memory included
    code, out, err = run_main(["doctor", "--repair"], capsys)
    assert code == 0, err
    assert re.search(r"copied 2\d\d cards, .*\n.*\n[1-9]\d* card\(s\) rebuilt from their last logged grade", out), out
    with Store(db) as store:
        memories = {key: s.memory for key, s in store.states().items()}
    assert memories == {f"k{i}": f'{{"s": {i}.5, "d": 5.0}}' for i in range(300)}


def test_doctor_cli_damage_in_a_child_process_has_no_traceback(pyflash_home):
    db = paths.store_path()
    fill(db)
    damage(db)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-m", "pyflash", "doctor"], capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 2 and "Traceback" not in out.stderr and "damaged" in out.stderr


# -- daily backups -------------------------------------------------------------------


def graded_workspace(small_deck, clock, grades=1):
    with open_workspace([str(small_deck)], clock=clock) as ws:
        s = ws.session()
        for _ in range(grades):
            if s.current is None:
                break
            s.reveal()
            s.grade(4)


def test_a_backup_on_the_first_open_of_each_day_keeping_seven(small_deck, clock):
    db = paths.store_path()
    graded_workspace(small_deck, clock)  # the first open: nothing to back up yet
    assert list_backups(db) == []
    days = []
    for _ in range(10):
        with open_workspace([str(small_deck)], clock=clock) as ws:
            days.append(date.fromordinal(ws.today))
        open_workspace([str(small_deck)], clock=clock).close()  # the second open of the day: no new backup
        clock.advance(days=1)
    backups = list_backups(db)
    assert len(backups) == 7
    assert backups[0].path.parent == paths.backups_dir() == paths.data_dir() / "backups"
    assert [b.day for b in backups] == days[::-1][:7]
    with Store(backups[0].path) as copy:
        assert len(copy.log()) == 1  # a real, whole copy


def test_backups_keep_is_configurable(small_deck, clock):
    (paths.config_dir()).mkdir(parents=True)
    paths.config_path().write_text("backups_keep = 2\n", encoding="utf-8")
    assert load_config(paths.config_path()).backups_keep == 2
    graded_workspace(small_deck, clock)
    for _ in range(4):
        clock.advance(days=1)
        open_workspace([str(small_deck)], clock=clock, locations=paths.locations()).close()
    assert len(list_backups(paths.store_path())) == 2
    paths.config_path().write_text("backups_keep = -1\n", encoding="utf-8")
    with pytest.raises(PyflashError, match="'backups_keep' must be a whole number from 0 to 365"):
        load_config(paths.config_path())


def test_a_damaged_big_database_is_not_backed_up(tmp_path, monkeypatch):
    from pyflash.core.review import backup

    db = tmp_path / "r.sqlite3"
    fill(db)
    monkeypatch.setattr(backup, "FULL_CHECK_BYTES", 0)  # as if too big for the check at every open
    with Store(db) as store:
        damage(db, "reviews")  # a page of the log (a damaged cards page fails the backup's first read instead)
        store.connection.execute("PRAGMA cache_size = 0")
    with Store(db, check=False) as store, pytest.raises(PyflashError, match="is damaged"):
        daily_backup(store, day=739000, keep=7)
    assert list_backups(db) == []


def test_list_and_restore(small_deck, clock, capsys):
    db = paths.store_path()
    graded_workspace(small_deck, clock)
    clock.advance(days=1)
    with open_workspace([str(small_deck)], clock=clock) as ws:  # backup of day 2 (one grade)
        day2 = date.fromordinal(ws.today).isoformat()
    graded_workspace(small_deck, clock, grades=2)  # two more grades today
    code, out, _ = run_main(["doctor", "--list"], capsys)
    assert code == 0
    assert f"  {day2}  " in out and "--restore DATE" in out
    code, out, err = run_main(["doctor", "--restore", day2], capsys)
    assert code == 0, err
    assert out.startswith(f"restored the backup of {day2}")
    aside = [p for p in db.parent.iterdir() if re.fullmatch(r"reviews\.sqlite3\.before-restore-\d{8}-\d{6}", p.name)]
    assert len(aside) == 1 and f"the previous file was kept as {aside[0]}" in out
    with Store(db) as store:
        assert len(store.log()) == 1
    with Store(aside[0]) as store:
        assert len(store.log()) == 3
        old_device = store.device_id
    # The restored store is a new device: its old id's seq 2 and 3 may already be in the sync
    # folder, so its next event must not be old_device-2 (docs/sync.md).
    graded_workspace(small_deck, clock)
    with Store(db) as store:
        assert store.device_id != old_device and re.fullmatch(r"[0-9a-f]{12}", store.device_id)
        rows = store.connection.execute("SELECT device, seq FROM reviews ORDER BY id").fetchall()
        assert rows == [(old_device, 1), (store.device_id, 1)]  # the backup's own event keeps its id
        assert [e.id for e in store.outbox()] == [f"{store.device_id}-1"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["doctor", "--restore", "yesterday"], "pyflash: 'yesterday' is not a date; give it as YYYY-MM-DD"),
        (["doctor", "--restore", "2020-01-01"], "pyflash: no backup of 2020-01-01 (backups: none yet)"),
        (["doctor", "--list", "--repair"], "Usage: pyflash doctor"),
    ],
)
def test_doctor_mistakes_exit_2(argv, message, capsys):
    fill(paths.store_path(), 2)
    code, out, err = run_main(argv, capsys)
    assert code == 2
    assert err.startswith(message) and "Traceback" not in err


def test_backup_of_a_state_with_cards_only(tmp_path):
    db = tmp_path / "r.sqlite3"
    with Store(db) as store:
        assert daily_backup(store, day=739000, keep=7) is None  # empty: nothing to keep
        store.update("k", "D", "t", suspended=True)
        made = daily_backup(store, day=739000, keep=7)
        assert made is not None and made.name == "r-2024-04-24.sqlite3"
        assert daily_backup(store, day=739000, keep=7) is None  # once a day
        assert daily_backup(store, day=739001, keep=0) is None  # backups off
    with Store(made) as copy:
        assert copy.get("k") == CardState("k", "D", "t", suspended=True)
