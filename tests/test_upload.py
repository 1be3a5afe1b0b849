"""Uploads into the sources folder (index.upload) and ingest of PDFs with stale metadata."""

from __future__ import annotations

import doctest
import shutil
from pathlib import Path

import pytest

import index.upload
from index.catalog import Catalog
from index.ingest import ingest
from index.layout import CATALOG_FILE
from index.settings import Settings
from index.sidecar import write_correction
from index.upload import UploadError, save_upload
from tests.fakes import FakeEmbedder
from tests.test_load import REAL_TITLES, _real_pdf

MB = 2**20


def test_doctests() -> None:
    assert doctest.testmod(index.upload).failed == 0


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../buiten.md", "may not contain a folder"),
        ("sub/nota.md", "may not contain a folder"),
        ("..\\nota.md", "may not contain a folder"),
        (".verborgen.md", "hidden names"),
        ("_concept.md", "hidden names"),
        ("script.exe", "unsupported file type .exe"),
        ("geen-extensie", "unsupported file type (no extension)"),
        ("nota.pdf.meta.yaml", "metadata corrections"),
        ("README.md", "README"),
        ("nota\n.md", "control characters"),
        ("", "no name"),
    ],
)
def test_bad_names_are_refused_and_nothing_is_written(
    tmp_path: Path, name: str, reason: str
) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    with pytest.raises(UploadError) as info:
        save_upload(sources, name, b"# Nota\n\nTekst.\n", max_bytes=MB)
    assert reason in str(info.value)
    assert list(sources.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sources"]


def test_content_ingest_would_refuse_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="corrupt or truncated PDF"):
        save_upload(tmp_path, "nota.pdf", b"geen pdf", max_bytes=MB)
    with pytest.raises(UploadError, match="too large"):
        save_upload(tmp_path, "nota.md", b"x" * 2000, max_bytes=1000)
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind


def test_a_symlink_of_the_same_name_is_not_followed(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    outside = tmp_path / "elders.md"
    outside.write_text("# Elders\n")
    (sources / "nota.md").symlink_to(outside)
    with pytest.raises(UploadError, match="link or folder"):
        save_upload(sources, "nota.md", b"# Nieuw\n\nTekst.\n", max_bytes=MB)
    assert outside.read_text() == "# Elders\n"


def test_a_document_id_used_elsewhere_is_refused(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "nota.md").write_text("# Nota\n\nTekst.\n")
    with pytest.raises(UploadError, match=r"already used by sub/nota\.md"):
        save_upload(tmp_path, "nota.html", b"<h1>Nota</h1><p>Tekst.</p>", max_bytes=MB)
    # The same name again is a new version of the document.
    (tmp_path / "brief.md").write_text("# Oud\n\nTekst.\n")
    save_upload(tmp_path, "brief.md", b"# Nieuw\n\nTekst.\n", max_bytes=MB)
    assert (tmp_path / "brief.md").read_text() == "# Nieuw\n\nTekst.\n"


def test_ingest_of_real_pdfs_gives_printed_titles_and_reads_corrections(tmp_path: Path) -> None:
    """``nds-assistant ingest`` of a folder of PDFs follows the loader's rules, and a correction
    written beside a file is picked up by the next incremental ingest. (A fake embedder: this
    tests the metadata plumbing, not retrieval.)"""
    sources = tmp_path / "pdfs"
    sources.mkdir()
    for name in REAL_TITLES:
        shutil.copy(_real_pdf(name), sources / name)
    settings = Settings(sources_dir=sources, index_dir=tmp_path / "index", chunk_size=2000)
    embedder = FakeEmbedder()
    report = ingest(settings, embedder=embedder)
    assert not report.failed and report.count("ingested") == 3, report.summary()

    def documents() -> dict[str, dict[str, object]]:
        catalog = Catalog(settings.index_dir / CATALOG_FILE)
        try:
            return {d.source_file: d.metadata for d in catalog.documents().values()}
        finally:
            catalog.close()

    docs = documents()
    assert {name: meta["title"] for name, meta in docs.items()} == REAL_TITLES
    assert all("publisher" not in meta for meta in docs.values())

    faq = sources / "GenAI_compliance_FAQ.pdf"
    write_correction(faq, publisher="Rijksoverheid", date="2026-03-01")
    report = ingest(settings, embedder=embedder)
    assert [r.path for r in report.results if r.status == "ingested"] == [faq.name]
    assert report.count("unchanged") == 2 and not report.failed, report.summary()
    meta = documents()[faq.name]
    assert meta["publisher"] == "Rijksoverheid" and meta["date"] == "2026-03-01"
    assert meta["title"] == REAL_TITLES[faq.name]
