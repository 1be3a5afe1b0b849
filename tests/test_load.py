"""Tests for index.loaders: one loader per format, every failure a LoadError with a clear reason."""

from __future__ import annotations

import datetime as dt
import doctest
import os
from collections.abc import Callable
from pathlib import Path

import pytest

import index.loaders
import index.loaders.markdown
import index.loaders.pdf
import index.loaders.text
from index.clean import clean_pages
from index.errors import LoadError
from index.loaders import (
    SUPPORTED_SUFFIXES,
    LoadedDocument,
    decode_text,
    iter_source_files,
    load_file,
)

SOURCES = Path(__file__).parents[1] / "sources"


def _write(path: Path, data: bytes | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def _load_error(path: Path, **kwargs: int) -> LoadError:
    with pytest.raises(LoadError) as info:
        load_file(path, **kwargs)
    assert info.value.path == str(path)
    assert "\n" not in info.value.reason
    return info.value


def test_doctests() -> None:
    for module in (index.loaders, index.loaders.markdown, index.loaders.text):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__


# -- the real corpus ----------------------------------------------------------------------------


def test_every_corpus_file_loads_with_a_title() -> None:
    files, refused = iter_source_files(SOURCES)
    assert files, "no source files found"
    assert refused == []
    for path in files:
        doc = load_file(path)
        assert doc.doc_id == path.stem
        assert isinstance(doc.metadata["title"], str) and doc.metadata["title"].strip()
        assert doc.metadata["source_file"] == path.name
        assert doc.format == doc.metadata["format"] == "markdown"
        assert len(doc.pages) == 1 and doc.pages[0].strip()
        assert all(isinstance(v, str | int | float | bool) for v in doc.metadata.values())
        assert not doc.pages[0].startswith("---")


def test_corpus_pdf_extraction_is_kept_verbatim() -> None:
    doc = load_file(SOURCES / "vng-positie-nds.md")
    assert doc.doc_id == "vng-positie-nds"  # the stem, not the front-matter id
    assert doc.metadata["title"].startswith("Position paper VNG")  # type: ignore[union-attr]
    assert "totstand- \nkoming" in doc.pages[0]  # artefacts survive loading
    assert "gereali-\nseerd" in doc.pages[0]
    assert doc.metadata["encoding"] == "utf-8"
    assert len(doc.content_hash) == 64


def test_front_matter_dates_and_scalars() -> None:
    doc = load_file(SOURCES / "vng-ipo-uvw-brief-uitermark-2025-06-11.md")
    assert doc.metadata["date"] == "2025-06-11"
    assert doc.metadata["era"] == 2025


# -- Markdown / text ----------------------------------------------------------------------------


def test_front_matter_lists_dates_and_nested_values(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "notitie.md",
        "---\ntitle: Notitie\ntags: [cloud, data]\ndate: 2025-07-04\ndraft: false\n"
        "empty:\nnested: {a: 1}\nformat: verkeerd\n---\n# Kop\n\nTekst.\n",
    )
    doc = load_file(path)
    meta = doc.metadata
    assert meta["title"] == "Notitie"
    assert meta["tags"] == "cloud, data"
    assert meta["date"] == "2025-07-04"
    assert meta["draft"] is False
    assert "empty" not in meta
    assert meta["nested"] == '{"a": 1}'
    assert meta["format"] == "markdown"  # always the real format
    assert doc.pages == ["# Kop\n\nTekst.\n"]


@pytest.mark.parametrize(
    ("name", "content", "title"),
    [
        ("a.md", "Intro\n\n## Sub\n\n# Hoofdkop #\n", "Hoofdkop"),
        ("b.md", "Geen kop hier.\n", "b"),
        ("mijn-notitie_v2.txt", "Platte tekst.\n", "mijn notitie v2"),
        ("c.md", "---\ntitle: '  '\n---\n## Alleen niveau twee\n", "Alleen niveau twee"),
        ("d.markdown", "---\n---\nTekst zonder titel.\n", "d"),
    ],
)
def test_title_fallbacks(tmp_path: Path, name: str, content: str, title: str) -> None:
    assert load_file(_write(tmp_path / name, content)).metadata["title"] == title


def test_txt_format_and_crlf_body_verbatim(tmp_path: Path) -> None:
    path = _write(tmp_path / "brief.txt", b"---\r\ntitle: Brief\r\n---\r\nRegel 1\r\nRegel 2\r\n")
    doc = load_file(path)
    assert doc.format == "text"
    assert doc.metadata["title"] == "Brief"
    assert doc.pages == ["Regel 1\r\nRegel 2\r\n"]


DUTCH = "Eén overheid: coördinatie van de NDS kost € 5 miljoen, zegt de minister."


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (DUTCH.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + DUTCH.encode("utf-8"), "utf-8-sig"),
        (DUTCH.encode("utf-16"), "utf-16"),  # Python writes a BOM
        (b"\xff\xfe" + DUTCH.encode("utf-16-le"), "utf-16"),
        (b"\xfe\xff" + DUTCH.encode("utf-16-be"), "utf-16"),
        (DUTCH.encode("cp1252"), "cp1252"),
    ],
)
def test_encodings(tmp_path: Path, data: bytes, encoding: str) -> None:
    doc = load_file(_write(tmp_path / "tekst.txt", data))
    assert doc.pages == [DUTCH]
    assert doc.metadata["encoding"] == encoding


def test_latin1_dutch_decodes_correctly(tmp_path: Path) -> None:
    text = "Één coördinatiepunt voor de geïntegreerde aanpak; ideeën."
    doc = load_file(_write(tmp_path / "oud.md", text.encode("latin-1")))
    assert doc.pages == [text]
    assert doc.metadata["encoding"] in {"cp1252", "latin-1"}


def test_latin1_fallback_when_cp1252_cannot_decode() -> None:
    # 0x81 is undefined in cp1252 but valid (a C1 control) in latin-1
    assert decode_text(b"caf\xe9 \x81 en co\xf6rdinatie") == ("café \x81 en coördinatie", "latin-1")


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("binair.md", bytes(range(256)) * 8, "looks like binary data, not text"),
        ("plaatje.txt", b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 100, "looks like binary data"),
        ("controls.md", bytes(range(1, 32)) * 20 + b"abc", "looks like binary data"),
        ("leeg.md", b"", "empty file"),
        ("spaties.txt", b"  \n\n\t \n", "empty file"),
        ("alleen-fm.md", b"---\ntitle: Iets\n---\n\n  \n", "empty file"),
        ("kapot.md", b"---\ntitle: [niet gesloten\n---\nTekst\n", "malformed YAML front matter"),
        ("tab.md", b"---\ntitle: a\n\tfout: b\n---\nTekst\n", "malformed YAML front matter"),
        ("lijst.md", b"---\n- a\n- b\n---\nTekst\n", "front matter is not a mapping"),
        ("scalar.md", b"---\ngewoon tekst\n---\nTekst\n", "front matter is not a mapping"),
        ("open.md", b"---\ntitle: a\nTekst zonder einde\n", "no closing '---' line"),
    ],
)
def test_text_failures(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    error = _load_error(_write(tmp_path / name, data))
    assert reason in error.reason


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "kapot.md", '---\nid: x\ntitle: "open\nurl: y\n---\nTekst\n')
    error = _load_error(path)
    assert "malformed YAML front matter" in error.reason
    assert "line " in error.reason


def test_too_large_is_refused_without_reading(tmp_path: Path) -> None:
    path = tmp_path / "enorm.txt"
    with path.open("wb") as fh:  # sparse: 60 MB on paper, nothing on disk
        fh.truncate(60 * 2**20)
    error = _load_error(path)
    assert "too large" in error.reason
    assert "60.0 MB" in error.reason and "50.0 MB" in error.reason


def test_max_bytes_parameter(tmp_path: Path) -> None:
    path = _write(tmp_path / "klein.md", "x" * 2000)
    error = _load_error(path, max_bytes=1000)
    assert "2000 bytes" in error.reason and "1000 bytes" in error.reason
    assert load_file(path, max_bytes=2000).pages == ["x" * 2000]


@pytest.mark.parametrize("name", ["tabel.xlsx", "geen_extensie", "oud.doc"])
def test_unsupported_suffix(tmp_path: Path, name: str) -> None:
    error = _load_error(_write(tmp_path / name, b"data"))
    assert error.reason.startswith("unsupported file type")


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in _load_error(tmp_path / "weg.md").reason


def test_unexpected_exception_becomes_load_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(raw: bytes, path: Path) -> tuple[list[str], dict[str, object]]:
        raise RuntimeError("kaboom\nsecond line")

    monkeypatch.setitem(index.loaders.LOADERS, "markdown", boom)
    error = _load_error(_write(tmp_path / "x.md", "Tekst"))
    assert error.reason == "could not read markdown file: RuntimeError: kaboom"


def test_weird_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "Visie op één overheid 🚀 (concept).md", "Tekst over de NDS.\n")
    doc = load_file(path)
    assert doc.doc_id == "Visie op één overheid 🚀 (concept)"
    assert doc.metadata["title"] == "Visie op één overheid 🚀 (concept)"
    assert doc.metadata["source_file"] == path.name


def test_loaded_document_is_frozen(tmp_path: Path) -> None:
    doc = load_file(_write(tmp_path / "x.md", "Tekst"))
    assert isinstance(doc, LoadedDocument)
    with pytest.raises(AttributeError):
        doc.doc_id = "y"  # type: ignore[misc]
    assert doc.text == "Tekst"


# -- PDF ----------------------------------------------------------------------------------------

fpdf = pytest.importorskip("fpdf")


def _pdf(
    pages: list[list[str]],
    *,
    header: str | None = None,
    footer: bool = False,
    setup: Callable[[object], None] | None = None,
) -> bytes:
    pdf = fpdf.FPDF()
    pdf.set_auto_page_break(False)
    if setup is not None:
        setup(pdf)
    for number, lines in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("helvetica", size=11)
        if header:
            pdf.set_xy(10, 10)
            pdf.cell(text=header)
        for i, line in enumerate(lines):
            pdf.set_xy(10, 30 + 8 * i)
            pdf.cell(text=line)
        if footer:
            pdf.set_xy(10, 280)
            pdf.cell(text=f"Pagina {number} van {len(pages)}")
    return bytes(pdf.output())


def test_pdf_pages_metadata_and_cleaning(tmp_path: Path) -> None:
    def meta(pdf: object) -> None:
        pdf.set_title("Visie op digitale autonomie")  # type: ignore[attr-defined]
        pdf.set_author("Ministerie van BZK")  # type: ignore[attr-defined]
        pdf.set_creation_date(dt.datetime(2025, 12, 12, 10, 0, tzinfo=dt.UTC))  # type: ignore[attr-defined]

    pages = [
        ["De NDS telt zes prioriteiten.", "Cloud is de eerste prioriteit."],
        ["Data is de tweede prioriteit en wordt gereali-", "seerd met gemeenten."],
        ["AI is de derde prioriteit."],
        ["Weerbaarheid en autonomie."],
    ]
    path = _write(
        tmp_path / "visie.pdf", _pdf(pages, header="Rijksoverheid | NDS", footer=True, setup=meta)
    )
    doc = load_file(path)
    assert doc.format == "pdf"
    assert len(doc.pages) == 4
    assert "Cloud is de eerste" in doc.pages[0] and "AI is de derde" in doc.pages[2]
    # Not printed on the page, but no heading either: a real title beats the file name.
    assert doc.metadata["title"] == "Visie op digitale autonomie"
    assert "publisher" not in doc.metadata  # the author is never the publisher
    assert doc.metadata["author"] == "Ministerie van BZK"
    assert doc.metadata["date"] == "2025-12-12"
    assert doc.metadata["pages"] == 4

    text, starts = clean_pages(doc.pages)
    assert "Rijksoverheid | NDS" not in text
    assert "Pagina" not in text
    assert "gerealiseerd" in text
    assert len(starts) == 4
    assert text[starts[2] :].startswith("AI is de derde prioriteit.")
    assert text[starts[1] :].startswith("Data is de tweede")


def test_pdf_without_metadata_title_uses_stem(tmp_path: Path) -> None:
    doc = load_file(_write(tmp_path / "brief_minister-2025.pdf", _pdf([["Geachte voorzitter,"]])))
    assert doc.metadata["title"] == "brief minister 2025"


def test_scanned_pdf_has_no_text_layer(tmp_path: Path) -> None:
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    error = _load_error(_write(tmp_path / "scan.pdf", bytes(pdf.output())))
    assert error.reason.startswith("no text layer (scanned PDF?)")


def test_encrypted_pdf_with_password_is_refused(tmp_path: Path) -> None:
    def lock(pdf: object) -> None:
        pdf.set_encryption(owner_password="eigenaar", user_password="secret")  # type: ignore[attr-defined]

    error = _load_error(_write(tmp_path / "geheim.pdf", _pdf([["Geheim"]], setup=lock)))
    assert error.reason.startswith("encrypted PDF")


def test_encrypted_pdf_with_empty_user_password_loads(tmp_path: Path) -> None:
    def lock(pdf: object) -> None:
        pdf.set_encryption(owner_password="eigenaar")  # type: ignore[attr-defined]

    doc = load_file(_write(tmp_path / "beveiligd.pdf", _pdf([["Openbaar stuk"]], setup=lock)))
    assert "Openbaar stuk" in doc.pages[0]


@pytest.mark.parametrize(
    "mangle",
    [
        lambda b: b[: len(b) // 2],
        lambda b: b[: len(b) // 2] + b"\n%%EOF\n",
        lambda b: b"%PDF-1.4\nrommel\n%%EOF\n",
        lambda b: b"Dit is geen PDF maar tekst met een .pdf-extensie.\n",
    ],
    ids=["truncated", "truncated-with-eof", "garbage", "not-a-pdf"],
)
def test_corrupt_pdf(tmp_path: Path, mangle: Callable[[bytes], bytes]) -> None:
    data = mangle(_pdf([["Eerste pagina"], ["Tweede pagina"]]))
    error = _load_error(_write(tmp_path / "kapot.pdf", data))
    assert error.reason.startswith("corrupt or truncated PDF: ")


# -- HTML ---------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html lang="nl">
<head>
  <meta charset="utf-8">
  <title>Nederlandse Digitaliseringsstrategie | Rijksoverheid.nl</title>
  <meta name="description" content="De NDS in het kort">
  <link rel="canonical" href="https://www.rijksoverheid.nl/nds">
  <style>body { color: red; }</style>
</head>
<body>
  <header><nav><ul>
    <li><a href="/">Home</a></li><li><a href="/menu">Menu-item</a></li>
  </ul></nav></header>
  <main><article>
    <h1>De Nederlandse Digitaliseringsstrategie</h1>
    <p>De NDS bevat zes prioriteiten voor één digitale overheid. Gemeenten, provincies en
    waterschappen werken samen met het Rijk aan de uitvoering van de strategie.</p>
    <h2>Prioriteiten</h2>
    <ul><li>Cloud en datacenters</li><li>Data en algoritmen</li></ul>
    <p>De coördinatie ligt bij het ministerie van Binnenlandse Zaken en Koninkrijksrelaties.</p>
  </article></main>
  <footer><p>Copyright voettekst</p></footer>
  <script>var geheim = "scripttekst";</script>
</body>
</html>
"""


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    doc = load_file(_write(tmp_path / "nds.html", HTML))
    text = doc.pages[0]
    assert doc.format == "html" and len(doc.pages) == 1
    assert "# De Nederlandse Digitaliseringsstrategie" in text
    assert "## Prioriteiten" in text
    assert "- Cloud en datacenters" in text
    assert "één digitale overheid" in text
    for junk in ("Menu-item", "Copyright voettekst", "scripttekst", "color: red"):
        assert junk not in text
    meta = doc.metadata
    assert meta["title"] == "Nederlandse Digitaliseringsstrategie | Rijksoverheid.nl"
    assert meta["description"] == "De NDS in het kort"
    assert meta["language"] == "nl"
    assert meta["url"] == "https://www.rijksoverheid.nl/nds"


def test_html_fallback_when_trafilatura_finds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)
    doc = load_file(_write(tmp_path / "nds.htm", HTML))
    text = doc.pages[0]
    assert "# De Nederlandse Digitaliseringsstrategie" in text
    assert "## Prioriteiten" in text
    assert "- Cloud en datacenters" in text
    assert "- Data en algoritmen" in text
    for junk in ("Menu-item", "Copyright voettekst", "scripttekst", "color: red", "Home"):
        assert junk not in text


def test_html_title_from_h1_and_cp1252(tmp_path: Path) -> None:
    html = "<html><body><h1>Coördinatie €</h1><p>Korte tekst.</p></body></html>"
    doc = load_file(_write(tmp_path / "kort.html", html.encode("cp1252")))
    assert doc.metadata["title"] == "Coördinatie €"
    assert "Korte tekst." in doc.pages[0]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<html><head><title>Leeg</title></head><body><nav>Menu</nav></body></html>", "empty"),
        (b"\x00\x01\x02<html>" * 50, "binary"),
    ],
)
def test_html_failures(tmp_path: Path, data: bytes, reason: str) -> None:
    assert reason in _load_error(_write(tmp_path / "x.html", data)).reason


# -- DOCX ---------------------------------------------------------------------------------------


def _docx(path: Path, *, title: str | None = "Werkagenda NDS") -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Werkagenda", level=0)
    document.add_heading("Inleiding", level=1)
    document.add_paragraph("De NDS is de strategie van één overheid.")
    document.add_heading("Prioriteiten", level=2)
    document.add_paragraph("Cloud", style="List Bullet")
    document.add_paragraph("Data", style="List Number")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Prioriteit"
    table.cell(0, 1).text = "Eigenaar"
    table.cell(1, 0).text = "AI"
    table.cell(1, 1).text = "BZK"
    document.add_paragraph("Slotwoord.")
    props = document.core_properties
    if title:
        props.title = title
    props.author = "Team NDS"
    props.created = dt.datetime(2025, 7, 4, 9, 30)
    document.save(str(path))
    return path


def test_docx_structure_and_properties(tmp_path: Path) -> None:
    doc = load_file(_docx(tmp_path / "werkagenda.docx"))
    assert doc.format == "docx"
    assert doc.pages == [
        "# Werkagenda\n\n# Inleiding\n\nDe NDS is de strategie van één overheid.\n\n"
        "## Prioriteiten\n\n- Cloud\n- Data\n\nPrioriteit | Eigenaar\nAI | BZK\n\nSlotwoord."
    ]
    assert doc.metadata["title"] == "Werkagenda NDS"
    assert doc.metadata["author"] == "Team NDS"
    assert doc.metadata["date"] == "2025-07-04"


def test_docx_title_from_first_heading(tmp_path: Path) -> None:
    doc = load_file(_docx(tmp_path / "zonder-titel.docx", title=None))
    assert doc.metadata["title"] == "Werkagenda"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 dit is geen echte zip", "corrupt DOCX"),
        (b"Gewone tekst, geen Word-bestand", "corrupt DOCX"),
    ],
)
def test_corrupt_docx(tmp_path: Path, data: bytes, reason: str) -> None:
    assert reason in _load_error(_write(tmp_path / "kapot.docx", data)).reason


def test_empty_docx(tmp_path: Path) -> None:
    import docx

    path = tmp_path / "leeg.docx"
    docx.Document().save(str(path))
    assert "empty file" in _load_error(path).reason


# -- iter_source_files --------------------------------------------------------------------------


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_iter_source_files(tmp_path: Path) -> None:
    root = tmp_path / "sources"
    outside = _write(tmp_path / "elders" / "geheim.md", "Buiten de map.")
    _write(root / "b.md", "B")
    _write(root / "a.txt", "A")
    _write(root / "sub" / "c.pdf", b"%PDF-")
    _write(root / "sub" / "diep" / "d.docx", b"PK")
    _write(root / "Visie één 🚀.md", "Emoji")
    _write(root / "tabel.xlsx", b"PK")
    _write(root / "LEESMIJ", "geen extensie")
    _write(root / ".verborgen.md", "verborgen")
    _write(root / ".git" / "config.md", "verborgen map")
    _write(root / "_not-copied.md", "niet gekopieerd")
    _write(root / "README.md", "uitleg")
    (root / "naar-buiten.md").symlink_to(outside)
    (root / "kapot.md").symlink_to(root / "bestaat-niet.md")
    (root / "binnen.md").symlink_to(root / "b.md")
    (root / "map-link").symlink_to(root / "sub")

    files, refused = iter_source_files(root)
    assert [p.relative_to(root).as_posix() for p in files] == [
        "Visie één 🚀.md",
        "a.txt",
        "b.md",
        "binnen.md",
        "sub/c.pdf",
        "sub/diep/d.docx",
    ]
    assert {p.name: reason for p, reason in refused} == {
        "LEESMIJ": "unsupported file type (no extension)",
        "kapot.md": "broken symlink (its target does not exist)",
        "map-link": "symlink to a folder (not followed)",
        "naar-buiten.md": "symlink points outside the sources folder",
        "tabel.xlsx": "unsupported file type .xlsx",
    }
    assert iter_source_files(root) == (files, refused)  # deterministic
    assert all(p.suffix.lower() in SUPPORTED_SUFFIXES for p in files)


def test_iter_source_files_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="sources folder not found"):
        iter_source_files(tmp_path / "bestaat-niet")


def test_html_keeps_article_header_and_unwraps_page_form(tmp_path: Path) -> None:
    html = (
        "<html><body><form id='aspnetForm'><nav>Hoofdmenu</nav><main><article>"
        "<header><h1>Kamerbrief over de NDS</h1></header>"
        "<p>De minister stuurt de Kamer de Nederlandse Digitaliseringsstrategie toe, met een "
        "overzicht van de zes prioriteiten en de afspraken met de medeoverheden.</p>"
        "</article></main><footer>Voettekst</footer></form></body></html>"
    )
    doc = load_file(_write(tmp_path / "brief.html", html))
    assert "Kamerbrief over de NDS" in doc.pages[0]
    assert "zes prioriteiten" in doc.pages[0]
    assert "Hoofdmenu" not in doc.pages[0] and "Voettekst" not in doc.pages[0]
    assert doc.metadata["title"] == "Kamerbrief over de NDS"


# -- PDF title, publisher and date: the metadata is often stale --------------------------------

REAL_PDFS = Path(__file__).parents[2] / "shared" / "real-pdfs"
if not REAL_PDFS.is_dir():  # a worktree sits beside main; main's parent holds shared/
    REAL_PDFS = Path("/work/shared/real-pdfs")

REAL_TITLES = {
    "GenAI_compliance_FAQ.pdf": "Veelgestelde vragen Generatieve AI compliance",
    "AI-verordening_Handreiking_AI-systemen.pdf": (
        "Handreiking inventarisatie, identificatie en classificatie AI-systemen"
    ),
    "Kader-verantwoord-gebruik-generatieveAI-RKIs.pdf": (
        "Kader voor waardevolle, verantwoorde en ethische inzet van generatieve AI binnen het "
        "toepassingsgebied wetenschappelijk onderzoek door rijkskennisinstituten en "
        "planbureaus “RKI-kader”"
    ),
}


def _real_pdf(name: str) -> Path:
    path = REAL_PDFS / name
    if not path.exists():
        pytest.skip(f"real PDF not found: {path}")
    return path


@pytest.mark.parametrize("name", sorted(REAL_TITLES))
def test_real_pdfs_get_the_title_printed_on_their_first_page(name: str) -> None:
    doc = load_file(_real_pdf(name))
    assert doc.metadata["title"] == REAL_TITLES[name]
    # Their metadata authors ("Sebastiaan Moll", ...) must not become the publisher.
    assert doc.metadata.get("author")
    assert "publisher" not in doc.metadata
    assert str(doc.metadata["date"]).startswith(("2025-", "2026-"))


def _cover_pdf(
    heading: list[str], body: list[str], *, meta_title: str = "", size: int = 28
) -> bytes:
    pdf = fpdf.FPDF()
    if meta_title:
        pdf.set_title(meta_title)
    pdf.set_author("J. de Vries")
    pdf.add_page()
    pdf.set_font("helvetica", size=9)
    pdf.set_xy(10, 8)
    pdf.cell(text="Rijksoverheid")  # a small running header before the heading
    pdf.set_font("helvetica", style="B", size=size)
    for i, line in enumerate(heading):
        pdf.set_xy(10, 30 + 12 * i)
        pdf.cell(text=line)
    pdf.set_font("helvetica", size=11)
    for i, line in enumerate(body):
        pdf.set_xy(10, 80 + 7 * i)
        pdf.cell(text=line)
    return bytes(pdf.output())


BODY = [
    "Deze nota beschrijft hoe overheden samenwerken aan digitale autonomie.",
    "Gemeenten, provincies en het Rijk delen voorzieningen.",
    "De uitvoering start in 2026.",
]


@pytest.mark.parametrize(
    "meta_title",
    [
        "",  # missing
        "RO_PUBL_030_A4_Informatieblad",  # a template name
        "Microsoft Word - nota_v3.docx",  # a file name
        "Factsheet inkopers AI-geletterdheid",  # another document's title
    ],
)
def test_pdf_title_comes_from_the_largest_heading(tmp_path: Path, meta_title: str) -> None:
    data = _cover_pdf(["Samen werken aan", "digitale autonomie"], BODY, meta_title=meta_title)
    doc = load_file(_write(tmp_path / "nota_2026.pdf", data))
    assert doc.metadata["title"] == "Samen werken aan digitale autonomie"
    assert "publisher" not in doc.metadata


def test_pdf_metadata_title_printed_on_the_page_is_kept(tmp_path: Path) -> None:
    # The metadata title occurs in the text (a smaller subtitle): it is trusted as it is.
    data = _cover_pdf(
        ["Samen werken"],
        ["Nota digitale autonomie 2026", *BODY],
        meta_title="Nota digitale autonomie 2026",
    )
    doc = load_file(_write(tmp_path / "nota.pdf", data))
    assert doc.metadata["title"] == "Nota digitale autonomie 2026"


def test_pdf_in_one_font_size_has_no_heading(tmp_path: Path) -> None:
    data = _cover_pdf(["Eerste regel van de brief"], BODY, size=11)
    doc = load_file(_write(tmp_path / "brief_minister.pdf", data))
    assert doc.metadata["title"] == "brief minister"


def test_pdf_implausible_creation_date_is_dropped(tmp_path: Path) -> None:
    def meta(pdf: object) -> None:
        pdf.set_creation_date(dt.datetime(1980, 1, 1, tzinfo=dt.UTC))  # type: ignore[attr-defined]

    doc = load_file(_write(tmp_path / "oud.pdf", _pdf([["Tekst"]], setup=meta)))
    assert "date" not in doc.metadata


@pytest.mark.parametrize(
    "title",
    ["RO_PUBL_030_A4_Informatieblad", "Document1", "nota.docx", "Untitled", "Sjabloon nota"],
)
def test_file_and_template_names_are_not_titles(title: str) -> None:
    assert index.loaders.pdf.is_junk_title(title)


@pytest.mark.parametrize(
    "title",
    ["Veelgestelde vragen Generatieve AI compliance", "NDS 2025", "AI-verordening", "COVID-19"],
)
def test_real_titles_are_not_junk(title: str) -> None:
    assert not index.loaders.pdf.is_junk_title(title)


# -- corrections stored beside the file ----------------------------------------------------------


def test_correction_beside_the_file_wins_and_changes_the_hash(tmp_path: Path) -> None:
    from index.sidecar import sidecar_path, write_correction

    path = _write(tmp_path / "kader.pdf", _cover_pdf(["Kader AI"], BODY))
    before = load_file(path)
    write_correction(
        path, title="Kader generatieve AI", publisher="Rijkskennisinstituten", date="2025-05-26"
    )
    assert sidecar_path(path).name == "kader.pdf.meta.yaml"
    after = load_file(path)
    assert after.metadata["title"] == "Kader generatieve AI"
    assert after.metadata["publisher"] == "Rijkskennisinstituten"
    assert after.metadata["date"] == "2025-05-26"
    assert after.content_hash != before.content_hash  # so an incremental ingest re-indexes it
    # The correction is no document and no unsupported file.
    files, refused = iter_source_files(tmp_path)
    assert [p.name for p in files] == ["kader.pdf"] and refused == []
    # Clearing every field removes the correction.
    write_correction(path, title="", publisher="", date="")
    assert not sidecar_path(path).exists()
    assert load_file(path).content_hash == before.content_hash


def test_correction_is_validated(tmp_path: Path) -> None:
    from index.sidecar import write_correction

    path = _write(tmp_path / "nota.md", "# Nota\n\nTekst.\n")
    with pytest.raises(ValueError, match="date must be a date"):
        write_correction(path, date="26 mei")
    _write(tmp_path / "nota.md.meta.yaml", "title: [niet, goed]\n")
    error = _load_error(path)
    assert "nota.md.meta.yaml" in error.reason and "title must be text" in error.reason


def test_correction_applies_to_markdown_too(tmp_path: Path) -> None:
    from index.sidecar import write_correction

    path = _write(tmp_path / "nota.md", "---\ntitle: Oud\npublisher: X\n---\nTekst.\n")
    write_correction(path, publisher="Ministerie van BZK")
    doc = load_file(path)
    assert doc.metadata["title"] == "Oud"
    assert doc.metadata["publisher"] == "Ministerie van BZK"
