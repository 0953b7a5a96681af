"""The review database's schema and its migrations.

:func:`migrate` is the one piece of code that creates pyflash tables: the
store runs it on open, and ``pyflash doctor --repair`` runs it on the fresh
file it copies readable rows into.
"""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 9
TABLES = ("cards", "reviews", "relinks")

_MIGRATE_1 = """
        CREATE TABLE cards (
            key TEXT PRIMARY KEY,
            deck TEXT NOT NULL,
            text TEXT NOT NULL DEFAULT '',
            easiness INTEGER NOT NULL DEFAULT 250,
            interval INTEGER NOT NULL DEFAULT 0,
            repetitions INTEGER NOT NULL DEFAULT 0,
            due_day INTEGER,
            suspended INTEGER NOT NULL DEFAULT 0,
            buried_until INTEGER,
            last_review TEXT,
            last_day INTEGER,
            last_grade INTEGER,
            first_day INTEGER
        ) WITHOUT ROWID;
        CREATE INDEX cards_deck ON cards(deck);
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL,
            deck TEXT NOT NULL,
            ts TEXT NOT NULL,
            day INTEGER NOT NULL,
            grade INTEGER,
            kind TEXT NOT NULL,
            before TEXT,
            after TEXT,
            answer_ms INTEGER,
            undoes INTEGER REFERENCES reviews(id)
        );
        CREATE INDEX reviews_key ON reviews(key);
        CREATE INDEX reviews_day ON reviews(day);
        CREATE TABLE relinks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            old_key TEXT NOT NULL,
            new_key TEXT NOT NULL,
            deck TEXT NOT NULL,
            similarity REAL NOT NULL,
            ts TEXT NOT NULL
        );
"""

# Version 2: for `pyflash stats` (docs/stats.md). Two virtual columns read the
# card's state before a grade out of its JSON (computed on read and stored only
# in the indexes; NULL when the JSON is missing or damaged), so no query parses
# JSON row by row. The log is read by day through a covering index (it replaces
# the index on day alone), lapses (failed grades of a card that had passed)
# through a small partial index, undone grades through a partial index on
# ``undoes``, and today's new cards by first day.
_MIGRATE_2 = """
        ALTER TABLE reviews ADD COLUMN prev_interval INTEGER
            GENERATED ALWAYS AS (CASE WHEN json_valid(before) THEN json_extract(before, '$.interval') END) VIRTUAL;
        ALTER TABLE reviews ADD COLUMN prev_repetitions INTEGER
            GENERATED ALWAYS AS (CASE WHEN json_valid(before) THEN json_extract(before, '$.repetitions') END) VIRTUAL;
        DROP INDEX IF EXISTS reviews_day;
        CREATE INDEX reviews_day_stats ON reviews(day, kind, key, grade, answer_ms, prev_interval);
        CREATE INDEX reviews_lapses ON reviews(key, grade, kind, prev_repetitions)
            WHERE grade < 3 AND kind = 'review' AND prev_repetitions > 0;
        CREATE INDEX reviews_undoes ON reviews(undoes) WHERE undoes IS NOT NULL;
        CREATE INDEX cards_first_day ON cards(first_day);
"""

# Version 3: the answer the user typed (docs/study.md, "Typing the answer"), kept with its grade;
# NULL when the answer was revealed rather than typed.
_MIGRATE_3 = """
        ALTER TABLE reviews ADD COLUMN typed TEXT;
"""

# Version 4: FSRS (docs/scheduling.md). A card's FSRS memory state, as JSON; NULL
# for a card only ever scheduled by SM-2. The partial index finds the cards that
# have one at start-up without a scan.
_MIGRATE_4 = """
        ALTER TABLE cards ADD COLUMN memory TEXT;
        CREATE INDEX cards_memory ON cards(deck) WHERE memory IS NOT NULL;
"""

# A lapse: a first-of-the-day grade below 3 of a card that had passed since it
# was last failed (repetitions > 0 before the grade), not taken back by an undo.
# The first three terms match the partial index reviews_lapses.
LAPSE_ROWS = (
    "r.grade < 3 AND r.kind = 'review' AND r.prev_repetitions > 0"
    " AND r.id NOT IN (SELECT undoes FROM reviews WHERE undoes IS NOT NULL)"
)

# The key each logged key's history lives under now: its own, or (for a card
# edited since, whose state row was carried over: see ``relinks``) the key at
# the end of its relink chain that still has a state row.
_FOLLOW_RELINKS = """
        WITH RECURSIVE chain(old, new) AS (
            SELECT old_key, new_key FROM relinks WHERE old_key NOT IN (SELECT key FROM cards)
            UNION
            SELECT c.old, r.new_key FROM chain c JOIN relinks r ON r.old_key = c.new
            WHERE c.new NOT IN (SELECT key FROM cards)
        ),
        follow(old, new) AS (SELECT old, new FROM chain WHERE new IN (SELECT key FROM cards))
"""

# The cards (by the key their history lives under now) with ``:threshold`` lapses or more.
LEECH_OWNERS = f"""
        {_FOLLOW_RELINKS}
        SELECT COALESCE(f.new, r.key) AS owner FROM reviews r LEFT JOIN follow f ON f.old = r.key
        WHERE {LAPSE_ROWS}
        GROUP BY owner HAVING COUNT(*) >= :threshold
"""

# Marks every card with ``:threshold`` lapses or more as a leech (tag only:
# nothing is suspended after the fact). Used by migration 5 and the doctor.
MARK_LEECHES = f"""
        {_FOLLOW_RELINKS}
        UPDATE cards SET leech = 1 WHERE NOT leech AND key IN (
            SELECT COALESCE(f.new, r.key) AS owner FROM reviews r LEFT JOIN follow f ON f.old = r.key
            WHERE {LAPSE_ROWS}
            GROUP BY owner HAVING COUNT(*) >= :threshold
        )
"""

# Is there an action on card ``?1`` after the logged action ``?2``, in the replay's order (time, device,
# sequence), that is not itself undone? Then undoing ``?2`` is refused even when that action changed
# nothing (an unsuspend of a card not suspended): the replay would re-apply it to the state from
# before ``?2`` (a row where there was none), so restoring ``before`` would differ from the log.
ACTED_ON_SINCE = """
    SELECT 1 FROM reviews r JOIN reviews e ON e.id = ?2
    WHERE r.key = ?1 AND r.id != e.id AND r.kind != 'undo'
      AND (r.ts, r.device, r.seq) > (e.ts, e.device, e.seq)
      AND NOT EXISTS (SELECT 1 FROM reviews u WHERE u.undoes = r.id)
    LIMIT 1
"""

# The lapses logged for one card (``:key``), its relinked history included.
COUNT_LAPSES = f"""
        {_FOLLOW_RELINKS}
        SELECT COUNT(*) FROM reviews r
        WHERE (r.key = :key OR r.key IN (SELECT old FROM follow WHERE new = :key)) AND {LAPSE_ROWS}
"""

# Version 5: leeches (docs/scheduling.md). A card becomes a leech when a grade
# brings its lapses to ``leech_threshold``; the grade's own transaction marks
# it. A store from before gets its leeches marked from its log, with the
# threshold of the config it is first opened with.
_MIGRATE_5 = (
    "ALTER TABLE cards ADD COLUMN leech INTEGER NOT NULL DEFAULT 0;\n"
    + MARK_LEECHES.replace(":threshold", "{leech_threshold}")
    + ";\n"
)

# Version 6: the log is a log of events (docs/sync.md). ``meta`` keeps this store's device id; every
# review row and every relink gets the device that recorded it and that device's sequence number
# (its event id is ``device-seq``: the virtual ``event_id``); an undo names the event it undid
# (``undoes_event``: the local ``undoes`` id is filled once that event is here too). A relink keeps
# the identity text it gave the card, and whether it was part of a cloze renumbering (``rekey``).
# The existing rows become this device's events, numbered in time order (see ``number_events``).
_MIGRATE_6 = """
        CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        INSERT INTO meta (name, value) VALUES ('device', lower(hex(randomblob(6))));
        ALTER TABLE reviews ADD COLUMN device TEXT;
        ALTER TABLE reviews ADD COLUMN seq INTEGER;
        ALTER TABLE reviews ADD COLUMN undoes_event TEXT;
        ALTER TABLE reviews ADD COLUMN event_id TEXT GENERATED ALWAYS AS (device || '-' || seq) VIRTUAL;
        CREATE UNIQUE INDEX reviews_event ON reviews(device, seq);
        CREATE INDEX reviews_undoes_event ON reviews(undoes_event) WHERE undoes_event IS NOT NULL;
        ALTER TABLE relinks ADD COLUMN device TEXT;
        ALTER TABLE relinks ADD COLUMN seq INTEGER;
        ALTER TABLE relinks ADD COLUMN text TEXT;
        ALTER TABLE relinks ADD COLUMN rekey INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE relinks ADD COLUMN event_id TEXT GENERATED ALWAYS AS (device || '-' || seq) VIRTUAL;
        CREATE UNIQUE INDEX relinks_event ON relinks(device, seq);
        CREATE INDEX relinks_old ON relinks(old_key);
        CREATE INDEX relinks_new ON relinks(new_key);
        UPDATE relinks SET rekey = 1 WHERE similarity = 1.0
            AND EXISTS (SELECT 1 FROM relinks o WHERE o.ts = relinks.ts AND o.id != relinks.id AND o.similarity = 1.0);
        UPDATE relinks SET text = COALESCE(
            (SELECT json_extract(r.before, '$.text') FROM reviews r
             WHERE r.key = relinks.new_key AND r.ts >= relinks.ts AND json_valid(r.before) ORDER BY r.ts, r.id LIMIT 1),
            (SELECT c.text FROM cards c WHERE c.key = relinks.new_key));
"""


def number_events(db: sqlite3.Connection) -> int:
    """Give every review row and relink without a sequence number this device's next ones, in time order.

    Rows of the same time keep their table's order; a relink goes before a review of its new key
    at the same time (it was recorded first: the card had to be relinked to be graded under that key).
    Undo rows then name the event they undid. ``db`` is inside a transaction. Returns the rows numbered.
    """
    device = str(db.execute("SELECT value FROM meta WHERE name = 'device'").fetchone()[0])
    top = db.execute(
        "SELECT MAX(s) FROM (SELECT MAX(seq) AS s FROM reviews WHERE device = ?1 UNION ALL"
        " SELECT MAX(seq) FROM relinks WHERE device = ?1)",
        (device,),
    ).fetchone()[0]
    items: list[tuple[tuple[str, int, int], str, int]] = [
        ((ts, rid, 1), "reviews", rid) for rid, ts, key in db.execute("SELECT id, ts, key FROM reviews WHERE seq IS NULL")
    ]
    first_use: dict[tuple[str, str], int] = {}
    for rid, ts, key in db.execute("SELECT id, ts, key FROM reviews WHERE seq IS NULL ORDER BY id DESC"):
        first_use[(ts, key)] = rid
    for lid, ts, new_key in db.execute("SELECT id, ts, new_key FROM relinks WHERE seq IS NULL"):
        rid = first_use.get((ts, new_key))
        items.append(((ts, rid, 0) if rid is not None else (ts, 1 << 62, lid), "relinks", lid))
    items.sort()
    seq = int(top or 0)
    numbered: dict[str, list[tuple[str, int, int]]] = {"reviews": [], "relinks": []}
    for _order, table, ident in items:
        seq += 1
        numbered[table].append((device, seq, ident))
    db.executemany("UPDATE reviews SET device = ?, seq = ? WHERE id = ?", numbered["reviews"])
    db.executemany("UPDATE relinks SET device = ?, seq = ? WHERE id = ?", numbered["relinks"])
    db.execute(
        "UPDATE reviews SET undoes_event = (SELECT u.event_id FROM reviews u WHERE u.id = reviews.undoes)"
        " WHERE undoes IS NOT NULL AND undoes_event IS NULL"
    )
    return len(items)


# What one grade adds to its day in ``review_days`` (docs/stats.md): the grade,
# a failed recall, its answer time, and for retention a first-of-the-day grade of
# a card learned before, young (< 21 days before it) or mature, and passed or not.
# ``{r}`` is the row (``NEW`` in a trigger); a SUM of each over the grades of a
# day is that day's row. The same expressions serve the selected cards' figures
# (core/query/stats_log.py), so both count alike.
DAY_COLUMNS = ("grades", "again", "answer_ms", "young", "young_passed", "mature", "mature_passed")
_YOUNG = "{r}.kind = 'review' AND {r}.prev_interval > 0 AND {r}.prev_interval < 21"
_MATURE = "{r}.kind = 'review' AND {r}.prev_interval >= 21"
DAY_TERMS = (
    "1",
    "COALESCE({r}.grade < 3, 0)",
    "COALESCE({r}.answer_ms, 0)",
    f"COALESCE({_YOUNG}, 0)",
    f"COALESCE({_YOUNG} AND {{r}}.grade >= 3, 0)",
    f"COALESCE({_MATURE}, 0)",
    f"COALESCE({_MATURE} AND {{r}}.grade >= 3, 0)",
)
GRADE_KINDS = "('review', 'repeat')"


def day_terms(row: str, sign: str = "") -> str:
    """The ``review_days`` contributions of ``row``, comma-separated (``sign="-"``: taken back)."""
    return ", ".join(f"{sign}{t.format(r=row)}" for t in DAY_TERMS)


_ADD_TO_DAY = "ON CONFLICT(day) DO UPDATE SET " + ", ".join(f"{c} = {c} + excluded.{c}" for c in DAY_COLUMNS)
_DAY_COLS = ", ".join(DAY_COLUMNS)
_DAY_DEFS = ", ".join(f"{c} INTEGER NOT NULL DEFAULT 0" for c in DAY_COLUMNS)
_DAY_SUMS = ", ".join(f"SUM({t.format(r='r')})" for t in DAY_TERMS)
# The rows of ``review_days`` summed from the log itself (the backfill; tests compare with it).
SUM_DAYS = (
    f"SELECT r.day, {_DAY_SUMS} FROM reviews r WHERE r.kind IN {GRADE_KINDS}"
    " AND r.id NOT IN (SELECT undoes FROM reviews WHERE undoes IS NOT NULL) GROUP BY r.day"
)

# Version 7: for `pyflash stats` (docs/stats.md). ``review_days`` holds, per study
# day, the sums of DAY_TERMS over the grades in effect, so today's figures, the
# calendar, retention and the streak read a row per day instead of the log. The
# log is append-only, so triggers keep it exact in any insert order (the doctor's
# copy or an ingest of events may bring an undo before the grade it took back): a
# grade adds to its day unless an undo already points at it; the first undo of a
# grade takes it back off, also when it learns its grade's row later (``undoes`` set
# by the ingest); an edited row is taken off and added again. Existing grades are
# summed once, through the covering day index.
_MIGRATE_7 = f"""
        CREATE TABLE review_days (
            day INTEGER PRIMARY KEY,
            {_DAY_DEFS}
        );
        CREATE TRIGGER review_days_grade AFTER INSERT ON reviews
        WHEN NEW.kind IN {GRADE_KINDS} AND NOT EXISTS (SELECT 1 FROM reviews WHERE undoes = NEW.id)
        BEGIN
            INSERT INTO review_days (day, {_DAY_COLS}) VALUES (NEW.day, {day_terms('NEW')})
            {_ADD_TO_DAY};
        END;
        CREATE TRIGGER review_days_undo AFTER INSERT ON reviews
        WHEN NEW.undoes IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reviews WHERE undoes = NEW.undoes AND id != NEW.id)
        BEGIN
            INSERT INTO review_days (day, {_DAY_COLS})
            SELECT r.day, {day_terms('r', '-')} FROM reviews r WHERE r.id = NEW.undoes AND r.kind IN {GRADE_KINDS}
            {_ADD_TO_DAY};
        END;
        CREATE TRIGGER review_days_undo_late AFTER UPDATE OF undoes ON reviews
        WHEN NEW.undoes IS NOT OLD.undoes
        BEGIN
            INSERT INTO review_days (day, {_DAY_COLS})
            SELECT r.day, {day_terms('r')} FROM reviews r WHERE r.id = OLD.undoes AND r.kind IN {GRADE_KINDS}
              AND NOT EXISTS (SELECT 1 FROM reviews WHERE undoes = OLD.undoes)
            {_ADD_TO_DAY};
            INSERT INTO review_days (day, {_DAY_COLS})
            SELECT r.day, {day_terms('r', '-')} FROM reviews r WHERE r.id = NEW.undoes AND r.kind IN {GRADE_KINDS}
              AND NOT EXISTS (SELECT 1 FROM reviews WHERE undoes = NEW.undoes AND id != NEW.id)
            {_ADD_TO_DAY};
        END;
        CREATE TRIGGER review_days_edit AFTER UPDATE OF day, kind, grade, answer_ms, before ON reviews
        WHEN NOT EXISTS (SELECT 1 FROM reviews WHERE undoes = NEW.id)
        BEGIN
            INSERT INTO review_days (day, {_DAY_COLS})
            SELECT OLD.day, {day_terms('OLD', '-')} WHERE OLD.kind IN {GRADE_KINDS}
            {_ADD_TO_DAY};
            INSERT INTO review_days (day, {_DAY_COLS})
            SELECT NEW.day, {day_terms('NEW')} WHERE NEW.kind IN {GRADE_KINDS}
            {_ADD_TO_DAY};
        END;
        INSERT INTO review_days (day, {_DAY_COLS}) {SUM_DAYS};
"""

# Version 8: for `pyflash stats` (docs/stats.md), the card figures without a pass
# over the cards. Most cards are "plain" (not suspended, not buried, not graded
# today): their state, interval and easiness buckets and forecast day follow from
# their interval, easiness and due day alone, which three covering indexes count
# by value. The few others are found through small indexes (suspended, buried,
# graded today) and counted row by row. ``review_orphans`` holds the logged keys
# that have no card row (relinked, deleted, undone first grades), kept by
# triggers, so a selection by deck knows every key of the log without reading it.
_MIGRATE_8 = """
        CREATE INDEX cards_interval ON cards(interval, due_day) WHERE due_day IS NOT NULL;
        CREATE INDEX cards_easiness ON cards(easiness, due_day) WHERE due_day IS NOT NULL;
        CREATE INDEX cards_due ON cards(due_day) WHERE due_day IS NOT NULL;
        CREATE INDEX cards_today ON cards(last_day, last_grade, due_day);
        CREATE INDEX cards_suspended ON cards(suspended) WHERE suspended != 0;
        CREATE INDEX cards_buried ON cards(buried_until) WHERE buried_until IS NOT NULL;
        CREATE INDEX cards_leech ON cards(leech) WHERE leech;
        CREATE TABLE review_orphans (key TEXT PRIMARY KEY) WITHOUT ROWID;
        CREATE TRIGGER review_orphans_logged AFTER INSERT ON reviews
        WHEN NOT EXISTS (SELECT 1 FROM cards WHERE key = NEW.key)
        BEGIN
            INSERT OR IGNORE INTO review_orphans (key) VALUES (NEW.key);
        END;
        CREATE TRIGGER review_orphans_gone AFTER DELETE ON cards
        WHEN EXISTS (SELECT 1 FROM reviews WHERE key = OLD.key)
        BEGIN
            INSERT OR IGNORE INTO review_orphans (key) VALUES (OLD.key);
        END;
        CREATE TRIGGER review_orphans_back AFTER INSERT ON cards
        BEGIN
            DELETE FROM review_orphans WHERE key = NEW.key;
        END;
        INSERT INTO review_orphans (key) SELECT DISTINCT key FROM reviews WHERE key NOT IN (SELECT key FROM cards);
"""

# Version 9: version 8's index on due day alone led `pyflash decks` (the due cards: due by
# today and not graded today) to fetch every due row from the table; with the last day in
# it, that query reads the index alone, and so does the stats forecast.
_MIGRATE_9 = """
        DROP INDEX cards_due;
        CREATE INDEX cards_due ON cards(due_day, last_day) WHERE due_day IS NOT NULL;
"""

# MIGRATIONS[n] is the SQL that brings a database from version n to n + 1
# (``{leech_threshold}`` is replaced by the configured threshold); AFTER[n], if any, runs next in
# the same transaction.
MIGRATIONS = {
    0: _MIGRATE_1, 1: _MIGRATE_2, 2: _MIGRATE_3, 3: _MIGRATE_4, 4: _MIGRATE_5, 5: _MIGRATE_6, 6: _MIGRATE_7, 7: _MIGRATE_8, 8: _MIGRATE_9,
}
AFTER = {5: number_events}
DEFAULT_LEECH_THRESHOLD = 8


def migrate(db: sqlite3.Connection, version: int, *, leech_threshold: int = DEFAULT_LEECH_THRESHOLD) -> int:
    """Bring ``db`` (autocommit mode) from ``version`` to :data:`SCHEMA_VERSION`.

    Each step is one script in one transaction: a failed migration leaves the
    database as it was. ``leech_threshold`` marks the leeches of an older store.
    """
    while version < SCHEMA_VERSION:
        script = MIGRATIONS[version].replace("{leech_threshold}", str(int(leech_threshold)))
        try:
            db.executescript(f"BEGIN IMMEDIATE;\n{script}")
            if version in AFTER:
                AFTER[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        version += 1
    return version
