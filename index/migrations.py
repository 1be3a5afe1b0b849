"""Schema versions of the SQLite stores, kept in ``PRAGMA user_version``.

Each store (the catalog, the embedding cache, the feedback store) has a short list of
migrations; migration ``i`` brings a file from version ``i`` to ``i + 1``. A file at version 0
was written before versioning (or is new). :func:`migrate` applies the missing ones in one
transaction, once, and says so; a file from a newer nds-assistant is refused rather than
misread.

>>> import sqlite3
>>> db = sqlite3.connect(":memory:")
>>> steps = [Migration("a table", lambda db: db.execute("CREATE TABLE t (x)"))]
>>> migrate(db, steps, store="test store", path=":memory:")  # a new file: nothing to report
[]
>>> db.execute("PRAGMA user_version").fetchone()[0]
1
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.errors import NDSError

log = logging.getLogger("nds_assistant.index")


class SchemaTooNewError(NDSError):
    """A SQLite store was written by a newer nds-assistant than this one."""


@dataclass(frozen=True)
class Migration:
    note: str  # what it changes, for the upgrade message
    apply: Callable[[sqlite3.Connection], object]


def user_version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def check_version(
    db: sqlite3.Connection, migrations: Sequence[Migration], *, store: str, path: str | Path
) -> int:
    """The file's version; :class:`SchemaTooNewError` if it is newer than this code knows."""
    found, current = user_version(db), len(migrations)
    if found > current:
        raise SchemaTooNewError(
            f"The {store} {path} was written by a newer version of nds-assistant (schema "
            f"{found}; this version knows up to {current}). Upgrade nds-assistant, or point "
            "it at another file."
        )
    return found


def migrate(
    db: sqlite3.Connection,
    migrations: Sequence[Migration],
    *,
    store: str,
    path: str | Path,
    log_level: int = logging.WARNING,
) -> list[str]:
    """Bring ``db`` to the latest version; returns (and logs at ``log_level``) one line per
    upgrade applied to an existing file. A new, empty file is created at the latest version
    without a message. Callers that report the lines themselves (ingest) log them at INFO."""
    current = len(migrations)
    if check_version(db, migrations, store=store, path=path) == current:
        return []
    # IMMEDIATE: a second process opening the same old file waits, then sees it upgraded.
    db.execute("BEGIN IMMEDIATE")
    try:
        found = check_version(db, migrations, store=store, path=path)
        new_file = db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
        for step in migrations[found:]:
            step.apply(db)
        db.execute(f"PRAGMA user_version = {current}")
        db.commit()
    except BaseException:
        db.rollback()
        raise
    if new_file or found == current:
        return []
    notes = [
        f"Upgraded the {store} {path} from schema {found} to {current}: "
        + "; ".join(m.note for m in migrations[found:])
        + "."
    ]
    for note in notes:
        log.log(log_level, note)
    return notes
