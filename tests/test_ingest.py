"""Tests for index.ingest: offsets, metadata, incremental updates, locking, manifests, repair.

Small Dutch corpora are written to a temp folder per test and embedded with the FakeEmbedder:
ingest's bookkeeping does not depend on the model (the slow test at the end uses the real one).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index.catalog import Catalog
from index.clean import clean_pages
from index.embed import Embedder, make_embedder
from index.errors import IndexMismatchError, IngestLockedError
from index.ingest import IngestReport, ingest
from index.layout import CATALOG_FILE, LOCK_FILE
from index.loaders import iter_source_files, load_file
from index.reader import IndexReader
from index.settings import Settings
from index.store import ChromaStore, manifest_for
from index.writer import IngestLock
from tests.fakes import FakeEmbedder

ROOT = Path(__file__).parents[1]

CORPUS: dict[str, str] = {
    "cloud-beleid.md": """---
title: Cloudbeleid voor de Rijksoverheid
publisher: Ministerie van BZK
date: 2024-03-12
url: https://example.nl/cloudbeleid
era: 2024
language: nl
---
# Cloudbeleid

De Rijksoverheid gebruikt cloud alleen wanneer dat veilig kan. Elke organisatie maakt
eerst een risicoafweging. Gevoelige gegevens blijven binnen de Europese Unie.

## Soevereiniteit

Digitale autonomie betekent dat de overheid zelf kan blijven kiezen. Afhankelijkheid van
één leverancier moet worden beperkt. Daarom stimuleert het kabinet open standaarden en
open source. Exit-strategieën worden vooraf vastgelegd in elk contract.

## Uitvoering

Het CIO-stelsel ziet toe op de uitvoering. Departementen rapporteren twee keer per jaar
over hun voortgang. De eerste rapportage verschijnt in het najaar.
""",
    "data-delen.md": """---
title: Data delen binnen de overheid
publisher: Digitale Overheid
date: 2025-01-20
url: https://example.nl/data-delen
era: 2025
---
# Data delen

Het federatief datastelsel maakt het mogelijk om gegevens bij de bron te bevragen.
Kopieën van gegevens zijn dan minder vaak nodig. Burgers houden zo meer grip op hun data.

## Stelselcatalogus

De stelselcatalogus beschrijft welke gegevens beschikbaar zijn. Ontwikkelaars vinden
daar de begrippen en de aansluitvoorwaarden.
""",
    "ai-in-gemeenten.md": """---
title: AI in gemeenten
publisher: VNG
date: 2025-06-02
url: https://example.nl/ai-gemeenten
era: 2025
---
# AI in gemeenten

Gemeenten experimenteren met algoritmes voor dienstverlening. Het algoritmeregister
maakt zichtbaar welke systemen worden ingezet. Medewerkers krijgen scholing over de
risico's van kunstmatige intelligentie.
""",
    "inclusie.md": """---
title: Digitale inclusie
publisher: Ministerie van BZK
date: 2023-11-30
url: https://example.nl/inclusie
era: 2023
---
# Iedereen doet mee

Niet iedereen kan zelfstandig digitaal zaken doen met de overheid. Informatiepunten
Digitale Overheid in bibliotheken helpen mensen op weg. Er blijft altijd een niet-digitaal
alternatief beschikbaar.
""",
}

EXTRA = """---
title: Werken aan open source
publisher: Digitale Overheid
date: 2025-09-01
url: https://example.nl/open-source
era: 2025
---
# Open source

De overheid publiceert broncode als open source, tenzij er een goede reden is om dat niet
te doen. Code voor de overheid wordt gedeeld via een gezamenlijke werkplaats.
"""


# -- helpers ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def e5() -> Embedder:
    """A fake embedder: these tests check ingest's bookkeeping, which no model decides. Not the
    default fake, so the mismatch test can tell the two apart."""
    return FakeEmbedder(dim=96, model_id="fake/hash-96")


def write_corpus(folder: Path, docs: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (CORPUS if docs is None else docs).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def small(**overrides: object) -> Settings:
    """Settings from the per-test environment (NDS_INDEX_DIR/NDS_SOURCES_DIR), small chunks."""
    data: dict[str, object] = {"chunk_size": 300, "chunk_overlap": 60, **overrides}
    return Settings(**data)  # type: ignore[arg-type]


def statuses(report: IngestReport) -> dict[str, str]:
    return {r.path: r.status for r in report.results}


def catalog_ids(settings: Settings, doc_id: str | None = None) -> set[str]:
    catalog = Catalog(settings.index_dir / CATALOG_FILE)
    try:
        return catalog.chunk_ids(doc_id)
    finally:
        catalog.close()


def open_store(settings: Settings, embedder: Embedder) -> ChromaStore:
    return ChromaStore.open(settings, manifest_for(settings, embedder))


def store_ids(settings: Settings, embedder: Embedder) -> set[str]:
    return open_store(settings, embedder).all_ids()


@pytest.fixture
def corpus() -> Path:
    """The small corpus in this test's NDS_SOURCES_DIR."""
    return write_corpus(Settings().sources_dir)


# -- chunks, offsets and metadata ---------------------------------------------------------------


def test_env_gives_each_test_its_own_dirs(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.index_dir == tmp_path / "index"
    assert settings.sources_dir == tmp_path / "sources"


def test_every_chunk_is_a_slice_of_its_cleaned_document(corpus: Path, e5: Embedder) -> None:
    settings = small()
    report = ingest(settings, embedder=e5)
    assert report.count("ingested") == len(CORPUS) and not report.failed, report.summary()
    assert report.chunks > len(CORPUS)  # the small chunk size splits the longer documents
    assert report.embedded == report.chunks

    catalog = Catalog(settings.index_dir / CATALOG_FILE)
    try:
        records = catalog.chunks()
        documents = catalog.documents()
    finally:
        catalog.close()
    assert {r.doc_id for r in records} == {Path(n).stem for n in CORPUS}
    by_doc: dict[str, list[int]] = {}
    for rec in records:
        doc = load_file(corpus / documents[rec.doc_id].source_file)
        text, _ = clean_pages(doc.pages)
        start, end = int(rec.metadata["start"]), int(rec.metadata["end"])
        assert 0 <= start < end <= len(text)
        assert text[start:end] == rec.text, rec.chunk_id
        assert rec.text in rec.embed_text
        assert rec.metadata["doc_id"] == rec.doc_id
        assert rec.metadata["position"] == rec.position
        assert rec.metadata["file_hash"] == doc.content_hash
        assert rec.chunk_id.startswith(f"{rec.doc_id}:{rec.position:04d}:")
        by_doc.setdefault(rec.doc_id, []).append(rec.position)
    for doc_id, positions in by_doc.items():
        assert positions == list(range(len(positions)))
        assert documents[doc_id].n_chunks == len(positions)

    # Chroma holds exactly the catalog's chunks, with the same text and offsets.
    got = open_store(settings, e5).collection.get(include=["documents", "metadatas"])
    assert set(got["ids"]) == {r.chunk_id for r in records}
    by_id = {r.chunk_id: r for r in records}
    for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
        assert text == by_id[cid].text
        assert meta["start"] == by_id[cid].metadata["start"]
        assert meta["end"] == by_id[cid].metadata["end"]


def test_front_matter_travels_with_every_chunk(corpus: Path, e5: Embedder) -> None:
    settings = small()
    ingest(settings, embedder=e5)
    catalog = Catalog(settings.index_dir / CATALOG_FILE)
    try:
        records = catalog.chunks()
    finally:
        catalog.close()
    chroma = open_store(settings, e5).collection.get(include=["metadatas"])
    chroma_meta = dict(zip(chroma["ids"], chroma["metadatas"], strict=True))
    cloud = [r for r in records if r.doc_id == "cloud-beleid"]
    assert len(cloud) >= 2
    for rec in cloud:
        for meta in (rec.metadata, chroma_meta[rec.chunk_id]):
            assert meta["title"] == "Cloudbeleid voor de Rijksoverheid"
            assert meta["publisher"] == "Ministerie van BZK"
            assert meta["date"] == "2024-03-12"
            assert meta["url"] == "https://example.nl/cloudbeleid"
            assert meta["era"] == "2024"
            assert meta["language"] == "nl"
            assert meta["format"] == "markdown"
            assert meta["source_file"] == "cloud-beleid.md"
    assert {r.metadata["heading_path"] for r in cloud} >= {
        "Cloudbeleid > Soevereiniteit",
        "Cloudbeleid > Uitvoering",
    }
    # No language in front matter: detected from the text.
    assert all(r.metadata["language"] == "nl" for r in records if r.doc_id == "data-delen")


def test_chunk_ids_are_deterministic_across_builds(
    corpus: Path, tmp_path: Path, e5: Embedder
) -> None:
    first = small()
    second = small(index_dir=tmp_path / "other-index")
    ingest(first, embedder=e5)
    ingest(second, embedder=e5)
    ids = catalog_ids(first)
    assert ids and ids == catalog_ids(second)
    assert store_ids(first, e5) == store_ids(second, e5) == ids
    # A rebuild in place gives the same ids again, without embedding anything (cache).
    report = ingest(first, embedder=e5, rebuild=True)
    assert report.count("ingested") == len(CORPUS)
    assert report.embedded == 0
    assert catalog_ids(first) == store_ids(first, e5) == ids


# -- incremental --------------------------------------------------------------------------------


def test_second_run_is_all_unchanged_and_embeds_nothing(corpus: Path, e5: Embedder) -> None:
    settings = small()
    first = ingest(settings, embedder=e5)
    second = ingest(settings, embedder=e5)
    assert set(statuses(second).values()) == {"unchanged"}
    assert second.embedded == 0
    assert (second.documents, second.chunks) == (first.documents, first.chunks)
    assert "0 ingested, 4 unchanged" in second.summary()


def test_ingest_sets_the_hnsw_search_breadth_and_brings_old_collections_up(
    corpus: Path, e5: Embedder
) -> None:
    """Too narrow an HNSW search made the dense candidates differ between processes, so a
    collection gets ``hnsw_ef_search``; a reader leaves it alone, the next ingest updates it."""
    ingest(small(hnsw_ef_search=40), embedder=e5)

    def ef() -> int:
        return int(open_store(small(), e5).collection.configuration["hnsw"]["ef_search"])

    assert ef() == 40
    IndexReader(small(hnsw_ef_search=300), e5).store.count()  # a reader opens, changes nothing
    assert ef() == 40
    report = ingest(small(hnsw_ef_search=300), embedder=e5)
    assert set(statuses(report).values()) == {"unchanged"}
    assert ef() == 300


def test_an_index_from_before_sentence_embedding_gets_its_sentences_once(
    corpus: Path, e5: Embedder
) -> None:
    """Indexes built before ingest embedded quotable sentences have only chunk vectors; every
    question then embedded sentences (~12 ms each). The next ingest fills them in, once."""
    import sqlite3

    from index.chunk import sentences_to_embed
    from index.embed import text_hash
    from index.ingest import SENTENCES_KEY
    from index.layout import CACHE_FILE

    settings = small()
    ingest(settings, embedder=e5)
    catalog = Catalog(settings.index_dir / CATALOG_FILE)
    sentences = sentences_to_embed(r.text for r in catalog.chunks())
    catalog.set_info(SENTENCES_KEY, "0")  # as an old index: no flag, no sentence vectors
    catalog.close()
    db = sqlite3.connect(settings.index_dir / CACHE_FILE)
    with db:
        db.executemany("DELETE FROM vectors WHERE hash = ?", [(text_hash(t),) for t in sentences])
    db.close()

    again = ingest(settings, embedder=e5)
    assert set(statuses(again).values()) == {"unchanged"}
    assert again.sentences_embedded == len(sentences) > 0
    assert ingest(settings, embedder=e5).sentences_embedded == 0


def test_added_file_is_the_only_one_ingested(corpus: Path, e5: Embedder) -> None:
    settings = small()
    ingest(settings, embedder=e5)
    before = catalog_ids(settings)
    (corpus / "open-source.md").write_text(EXTRA, encoding="utf-8")
    report = ingest(settings, embedder=e5)
    assert statuses(report) == {
        **{name: "unchanged" for name in CORPUS},
        "open-source.md": "ingested",
    }
    new = catalog_ids(settings, "open-source")
    assert new and report.embedded == len(new)
    assert catalog_ids(settings) == before | new == store_ids(settings, e5)


def test_changed_file_replaces_its_old_chunks(corpus: Path, e5: Embedder) -> None:
    settings = small()
    ingest(settings, embedder=e5)
    old = catalog_ids(settings, "cloud-beleid")
    others = catalog_ids(settings) - old
    path = corpus / "cloud-beleid.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "Afhankelijkheid van\néén leverancier moet worden beperkt.",
            "Afhankelijkheid van grote techbedrijven wordt stap voor stap afgebouwd.",
        ),
        encoding="utf-8",
    )
    report = ingest(settings, embedder=e5)
    assert statuses(report)["cloud-beleid.md"] == "ingested"
    assert [s for p, s in statuses(report).items() if p != "cloud-beleid.md"] == ["unchanged"] * 3
    new = catalog_ids(settings, "cloud-beleid")
    gone = old - new
    assert gone, "the edited chunk should get a new id"
    assert 1 <= report.embedded <= len(new - old)
    assert not gone & catalog_ids(settings)
    assert not gone & store_ids(settings, e5)
    assert catalog_ids(settings) == store_ids(settings, e5) == others | new
    catalog = Catalog(settings.index_dir / CATALOG_FILE)
    try:
        texts = " ".join(r.text for r in catalog.chunks() if r.doc_id == "cloud-beleid")
    finally:
        catalog.close()
    assert "grote techbedrijven" in texts and "één leverancier" not in texts


def test_deleted_file_loses_its_chunks(corpus: Path, e5: Embedder) -> None:
    settings = small()
    ingest(settings, embedder=e5)
    doomed = catalog_ids(settings, "inclusie")
    assert doomed
    (corpus / "inclusie.md").unlink()
    report = ingest(settings, embedder=e5)
    removed = [r for r in report.results if r.status == "removed"]
    assert [(r.path, r.chunks) for r in removed] == [("inclusie.md", len(doomed))]
    assert report.documents == len(CORPUS) - 1
    assert not doomed & catalog_ids(settings)
    assert not doomed & store_ids(settings, e5)
    assert catalog_ids(settings) == store_ids(settings, e5)


@pytest.mark.parametrize("copy_name", ["zz-kopie.md", "aa-kopie.md"])
def test_same_content_under_two_names_is_indexed_once(
    corpus: Path, copy_name: str, e5: Embedder
) -> None:
    settings = small()
    ingest(settings, embedder=e5)
    (corpus / copy_name).write_bytes((corpus / "data-delen.md").read_bytes())
    report = ingest(settings, embedder=e5)
    assert report.embedded == 0
    [dup] = [r for r in report.results if "same content" in r.reason]
    assert dup.status == "failed"
    other = ({copy_name, "data-delen.md"} - {dup.path}).pop()
    assert f"same content as {other}" in dup.reason
    catalog = Catalog(settings.index_dir / CATALOG_FILE)
    try:
        hashes = [d.content_hash for d in catalog.documents().values()]
    finally:
        catalog.close()
    assert len(hashes) == len(set(hashes)) == len(CORPUS), "the content must be indexed once"
    assert catalog_ids(settings) == store_ids(settings, e5)


def test_a_file_edited_into_a_copy_of_another_leaves_one_copy(corpus: Path, e5: Embedder) -> None:
    settings = small()
    ingest(settings, embedder=e5)
    # "ai-in-gemeenten.md" sorts before "data-delen.md" and now claims its content.
    (corpus / "ai-in-gemeenten.md").write_bytes((corpus / "data-delen.md").read_bytes())
    report = ingest(settings, embedder=e5)
    assert report.embedded == 0
    assert statuses(report)["ai-in-gemeenten.md"] == "ingested"
    [dup] = [r for r in report.results if r.status == "failed"]
    assert dup.path == "data-delen.md"
    assert "same content as ai-in-gemeenten.md; indexed once under that name" in dup.reason
    assert not catalog_ids(settings, "data-delen")
    assert report.documents == len(CORPUS) - 1
    assert catalog_ids(settings) == store_ids(settings, e5)


# -- the write lock -----------------------------------------------------------------------------


def test_a_held_lock_refuses_a_second_ingest(corpus: Path) -> None:
    settings = small()
    fake = FakeEmbedder()
    with IngestLock(settings.index_dir), pytest.raises(IngestLockedError) as info:
        ingest(settings, embedder=fake)
    message = str(info.value)
    assert "Another ingest is already writing to this index" in message
    assert "Wait for it to finish" in message
    assert "(pid " in message  # says who holds it
    assert fake.calls == 0
    assert not (settings.index_dir / CATALOG_FILE).exists()
    # Released: the next run goes ahead.
    assert ingest(settings, embedder=fake).count("ingested") == len(CORPUS)


def test_lock_info_left_by_a_dead_process_does_not_block(corpus: Path) -> None:
    settings = small()
    settings.index_dir.mkdir(parents=True)
    info = settings.index_dir / (LOCK_FILE + ".json")
    info.write_text(json.dumps({"pid": 2**22 + 12345, "started": "2020-01-01 00:00:00"}))
    (settings.index_dir / LOCK_FILE).touch()
    report = ingest(settings, embedder=FakeEmbedder())
    assert report.count("ingested") == len(CORPUS)
    assert not info.exists()


def test_a_killed_ingest_leaves_no_lock(corpus: Path) -> None:
    settings = small()
    code = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from index.writer import IngestLock\n"
        "lock = IngestLock(Path(sys.argv[1])).__enter__()\n"
        "print('locked', flush=True)\n"
        "time.sleep(120)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(settings.index_dir)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(IngestLockedError, match=rf"pid {proc.pid}\b"):
            ingest(settings, embedder=FakeEmbedder())
    finally:
        proc.kill()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    report = ingest(settings, embedder=FakeEmbedder())
    assert report.count("ingested") == len(CORPUS)


# -- manifest -----------------------------------------------------------------------------------


def test_mismatched_settings_are_refused_then_rebuild_works(corpus: Path, e5: Embedder) -> None:
    built = Settings(chunk_size=900)
    ingest(built, embedder=e5)
    ids = catalog_ids(built)

    smaller = Settings(chunk_size=600)
    with pytest.raises(IndexMismatchError) as info:
        ingest(smaller, embedder=e5)
    assert "--rebuild" in str(info.value)
    assert "chunk size: index has 900, settings ask for 600" in str(info.value)

    with pytest.raises(IndexMismatchError) as info:
        ingest(built, embedder=FakeEmbedder())
    assert "--rebuild" in str(info.value)
    assert f"embedder: index has {e5.model_id}" in str(info.value)
    assert "fake/hash-64" in str(info.value)

    with pytest.raises(IndexMismatchError, match="--rebuild"):
        IndexReader(smaller, e5)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        IndexReader(built, FakeEmbedder())

    # Refusing did not touch the index.
    assert catalog_ids(built) == store_ids(built, e5) == ids
    assert IndexReader(built, e5).snapshot.chunks.keys() == ids

    report = ingest(smaller, embedder=e5, rebuild=True)
    assert report.count("ingested") == len(CORPUS) and not report.failed
    assert IndexReader(smaller, e5).manifest.chunk_size == 600
    assert catalog_ids(smaller) == store_ids(smaller, e5)
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        ingest(built, embedder=e5)

    # A rebuild can switch embedder (and dimension) too.
    fake = FakeEmbedder()
    report = ingest(built, embedder=fake, rebuild=True)
    assert report.count("ingested") == len(CORPUS)
    reader = IndexReader(built, fake)
    assert reader.manifest.dimension == 64
    hits = reader.store.query(fake.embed_query("stelselcatalogus begrippen"), 3)
    assert hits and hits[0][0].startswith("data-delen:")


# -- failures -----------------------------------------------------------------------------------

BROKEN: dict[str, bytes] = {
    "leeg.md": b"",
    "witruimte.md": b"   \n\n\t \n",
    "binair.md": bytes(range(256)) * 8,
    "kapotte-yaml.md": b"---\ntitle: [niet afgesloten\n---\nTekst.\n",
    "alleen-kop.md": b"---\ntitle: Alleen front matter\n---\n\n",
    "scan.pdf": b"%PDF-1.4\n this is not really a pdf \x00\x01\x02",
    "notities.xyz": b"onbekend formaat",
}


def test_bad_files_are_reported_and_the_rest_ingests(corpus: Path, e5: Embedder) -> None:
    for name, data in BROKEN.items():
        (corpus / name).write_bytes(data)
    settings = small()
    report = ingest(settings, embedder=e5)
    failed = {r.path: r.reason for r in report.failed}
    assert set(failed) == set(BROKEN), report.summary()
    assert all(reason.strip() and "\n" not in reason for reason in failed.values())
    assert "empty" in failed["leeg.md"]
    assert "empty" in failed["witruimte.md"]
    assert "binary" in failed["binair.md"]
    assert "YAML" in failed["kapotte-yaml.md"]
    assert "no text after the front matter" in failed["alleen-kop.md"]
    assert "pdf" in failed["scan.pdf"].lower()
    assert "unsupported file type .xyz" in failed["notities.xyz"]
    assert report.count("ingested") == len(CORPUS)
    assert report.documents == len(CORPUS)
    summary = report.summary()
    assert f"{len(BROKEN)} failed" in summary
    assert summary.splitlines()[0].lstrip().startswith("failed")  # failures are listed first


def test_a_file_that_breaks_later_keeps_its_indexed_version(corpus: Path, e5: Embedder) -> None:
    settings = small()
    ingest(settings, embedder=e5)
    kept = catalog_ids(settings, "ai-in-gemeenten")
    (corpus / "ai-in-gemeenten.md").write_bytes(b"\x00\x01\x02" * 100)
    report = ingest(settings, embedder=e5)
    [failed] = report.failed
    assert failed.path == "ai-in-gemeenten.md"
    assert "previously indexed version is kept" in failed.reason
    assert catalog_ids(settings, "ai-in-gemeenten") == kept
    assert kept <= store_ids(settings, e5)
    assert report.documents == len(CORPUS)


# -- crash repair -------------------------------------------------------------------------------


def test_reconcile_repairs_a_store_left_inconsistent(corpus: Path, e5: Embedder) -> None:
    settings = small()
    ingest(settings, embedder=e5)
    clean = catalog_ids(settings)
    assert store_ids(settings, e5) == clean

    store = open_store(settings, e5)
    # A crash after upserting vectors but before the catalog commit leaves orphans ...
    rng = np.random.default_rng(0)
    orphans = [f"cloud-beleid:{i:04d}:{'0' * 12}" for i in range(3)] + ["weg:0000:abcdef012345"]
    vecs = rng.normal(size=(len(orphans), e5.dimension)).astype(np.float32)
    store.collection.upsert(
        ids=orphans,
        embeddings=vecs / np.linalg.norm(vecs, axis=1, keepdims=True),
        documents=["wees"] * len(orphans),
    )
    # ... and a lost write leaves a catalogued document without (some of) its vectors.
    store.delete(sorted(catalog_ids(settings, "data-delen")))
    store.delete(sorted(catalog_ids(settings, "cloud-beleid"))[:1])
    assert store_ids(settings, e5) != clean

    report = ingest(settings, embedder=e5)
    assert not report.failed
    assert statuses(report) == {
        "cloud-beleid.md": "ingested",
        "data-delen.md": "ingested",
        "ai-in-gemeenten.md": "unchanged",
        "inclusie.md": "unchanged",
    }
    assert report.embedded == 0  # the vectors come back from the embedding cache
    assert store_ids(settings, e5) == catalog_ids(settings) == clean

    again = ingest(settings, embedder=e5)
    assert set(statuses(again).values()) == {"unchanged"}


# -- the bundled corpus -------------------------------------------------------------------------


@pytest.mark.slow
def test_full_corpus_is_indexed_and_reingest_is_unchanged(corpus_index: Settings) -> None:
    files, refused = iter_source_files(corpus_index.sources_dir)
    assert files and not refused
    catalog = Catalog(corpus_index.index_dir / CATALOG_FILE)
    try:
        documents = catalog.documents()
        n_chunks = len(catalog.chunk_ids())
    finally:
        catalog.close()
    assert set(documents) == {p.stem for p in files}
    for path in files:
        record = documents[path.stem]
        assert record.source_file == path.name
        assert record.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
        assert record.n_chunks >= 1
    assert store_ids(corpus_index, make_embedder(corpus_index)) == catalog_ids(corpus_index)

    report = ingest(corpus_index)
    assert not report.failed, report.summary()
    assert report.count("unchanged") == len(files)
    assert report.embedded == 0
    assert report.chunks == n_chunks
