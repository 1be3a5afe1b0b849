"""Feedback from the chat (thumbs up/down plus an optional comment), kept in a local SQLite file.

The table is append-only (triggers refuse UPDATE and DELETE): every click is one row, so the
file is an audit trail of what officials thought of which answer, on which index.

>>> import tempfile, pathlib
>>> store = FeedbackStore(pathlib.Path(tempfile.mkdtemp()) / "feedback.sqlite3")
>>> store.add(rating=-1, question="Wat is de NDS?", answer="...", comment="te kort")
1
>>> store.count()
1
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from index.errors import NDSError
from index.migrations import Migration, SchemaTooNewError, migrate

COLUMNS = (
    "id",
    "created_at",
    "rating",
    "comment",
    "question",
    "history_json",
    "answer",
    "citations_json",
    "answerer",
    "manifest_id",
    "language",
)

_TABLE = """
CREATE TABLE IF NOT EXISTS feedback (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at     TEXT    NOT NULL,
    rating         INTEGER NOT NULL CHECK (rating IN (1, -1)),
    comment        TEXT    NOT NULL DEFAULT '',
    question       TEXT    NOT NULL,
    history_json   TEXT    NOT NULL DEFAULT '[]',
    answer         TEXT    NOT NULL,
    citations_json TEXT    NOT NULL DEFAULT '[]',
    answerer       TEXT    NOT NULL DEFAULT '',
    manifest_id    TEXT    NOT NULL DEFAULT '',
    language       TEXT    NOT NULL DEFAULT 'nl'
)"""
_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS feedback_no_update BEFORE UPDATE ON feedback
BEGIN SELECT RAISE(ABORT, 'feedback is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS feedback_no_delete BEFORE DELETE ON feedback
BEGIN SELECT RAISE(ABORT, 'feedback is append-only'); END""",
)


def _create(db: sqlite3.Connection) -> None:
    for statement in (_TABLE, *_TRIGGERS):  # one by one: executescript would commit
        db.execute(statement)


# Migration i brings a feedback file from schema i to i + 1 (index.migrations).
MIGRATIONS = (Migration("append-only feedback table", _create),)


# Cells starting with these are formulas to spreadsheet programs (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FeedbackError(NDSError):
    """Feedback could not be stored or read."""


class FeedbackStore:
    """Append-only feedback rows in SQLite (WAL mode). Safe to share between threads: every
    call opens its own short-lived connection."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=10)) as db:
                db.execute("PRAGMA journal_mode=WAL")
                self.upgrades = migrate(db, MIGRATIONS, store="feedback database", path=self.path)
        except SchemaTooNewError as exc:
            raise FeedbackError(str(exc)) from exc
        except (OSError, sqlite3.Error) as exc:
            raise FeedbackError(
                f"Cannot open the feedback database {self.path}: {exc}. "
                "Check that the folder exists and is writable."
            ) from exc

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
            yield db

    def add(
        self,
        *,
        rating: int,
        question: str,
        answer: str,
        comment: str = "",
        history: Sequence[dict[str, Any]] | None = None,
        citations: Sequence[dict[str, Any]] | None = None,
        answerer: str = "",
        manifest_id: str = "",
        language: str = "nl",
    ) -> int:
        """Store one feedback row; returns its id. Raises :class:`FeedbackError` on failure."""
        if rating not in (1, -1):
            raise FeedbackError(f"rating must be +1 or -1, not {rating!r}")
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            int(rating),
            comment or "",
            question,
            json.dumps(list(history or []), ensure_ascii=False),
            answer,
            json.dumps(list(citations or []), ensure_ascii=False, default=str),
            answerer,
            manifest_id,
            language,
        )
        try:
            with self._connect() as db:
                cur = db.execute(
                    "INSERT INTO feedback (created_at, rating, comment, question, history_json, "
                    "answer, citations_json, answerer, manifest_id, language) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
                new_id = cur.lastrowid
        except sqlite3.Error as exc:
            raise FeedbackError(f"Could not save feedback to {self.path}: {exc}") from exc
        if new_id is None:
            raise FeedbackError(f"Could not save feedback to {self.path}: no row id returned")
        return int(new_id)

    def count(self) -> int:
        try:
            with self._connect() as db:
                return int(db.execute("SELECT COUNT(*) FROM feedback").fetchone()[0])
        except sqlite3.Error as exc:
            raise FeedbackError(f"Could not read feedback from {self.path}: {exc}") from exc


def _safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def export_csv(db_path: str | Path, out: Path | TextIO) -> int:
    """Write every feedback row as CSV (UTF-8, header row) to a path or an open text stream.

    Text cells that a spreadsheet would run as a formula get a leading ``'``. Returns the
    number of rows written.
    """
    db_path = Path(db_path)
    if not db_path.exists():
        raise FeedbackError(f"No feedback database at {db_path}: nobody has given feedback yet.")
    try:
        with closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)) as db:
            rows = db.execute(f"SELECT {', '.join(COLUMNS)} FROM feedback ORDER BY id").fetchall()
    except sqlite3.Error as exc:
        raise FeedbackError(f"Could not read feedback from {db_path}: {exc}") from exc

    def write(stream: TextIO) -> None:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_safe_cell(v) for v in row])

    if isinstance(out, Path):
        try:
            with out.open("w", encoding="utf-8", newline="") as fh:
                write(fh)
        except OSError as exc:
            raise FeedbackError(f"Could not write {out}: {exc}") from exc
    else:
        write(out)
    return len(rows)


def export_csv_text(db_path: str | Path) -> str:
    """The CSV export as a string (handy in tests)."""
    buf = io.StringIO()
    export_csv(db_path, buf)
    return buf.getvalue()
