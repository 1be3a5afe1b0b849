"""The names of the files and folders inside an index folder, in one place.

Writers (ingest, :class:`index.writer.IndexWriter`), the reader and the tools that inspect an
index all import them from here, so that no module depends on another only for a file name.

>>> from pathlib import Path
>>> IndexLayout(Path("/srv/idx")).catalog
PosixPath('/srv/idx/catalog.sqlite3')
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

CATALOG_FILE = "catalog.sqlite3"  # documents and chunks (index/catalog.py)
MANIFEST_FILE = "manifest.json"  # what the vectors mean, and the catalog generation it matches
BM25_DIR = "bm25"  # the lexical index (index/lexical.py)
CACHE_FILE = "embed-cache.sqlite3"  # passage vectors by text hash (index/embed.py)
LOCK_FILE = "ingest.lock"  # one writer at a time; LOCK_FILE + ".json" says who
CHROMA_DIR = "chroma"  # the embedded Chroma's folder (not used with a Chroma server)

# SQLite keeps a write-ahead log and shared memory beside a database in WAL mode.
SQLITE_SIDE_FILES = ("-wal", "-shm")


@dataclass(frozen=True)
class IndexLayout:
    """The paths of one index folder's parts."""

    root: Path

    @property
    def catalog(self) -> Path:
        return self.root / CATALOG_FILE

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST_FILE

    @property
    def bm25(self) -> Path:
        return self.root / BM25_DIR

    @property
    def embed_cache(self) -> Path:
        return self.root / CACHE_FILE

    @property
    def lock(self) -> Path:
        return self.root / LOCK_FILE

    @property
    def lock_info(self) -> Path:
        return self.root / (LOCK_FILE + ".json")

    @property
    def chroma(self) -> Path:
        return self.root / CHROMA_DIR
