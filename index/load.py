"""Read one source file (Markdown, text, PDF, HTML, DOCX) into a uniform, Markdown-ish text.

Every loader returns a :class:`LoadedDocument`; every failure becomes a
:class:`~index.errors.LoadError` with a one-line reason an official can act on.
Loaders do not clean text (see :mod:`index.clean`): PDF artefacts survive here verbatim.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> _ = (folder / "nds-notitie.md").write_text("---\\ntitle: Notitie\\n---\\nDe NDS telt zes.\\n")
>>> doc = load_file(folder / "nds-notitie.md")
>>> doc.doc_id, doc.format, doc.metadata["title"], doc.pages
('nds-notitie', 'markdown', 'Notitie', ['De NDS telt zes.\\n'])
>>> [p.name for p in iter_source_files(folder)[0]]
['nds-notitie.md']
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from index.errors import LoadError
from index.sidecar import is_sidecar, read_correction, sidecar_bytes

__all__ = [
    "SUPPORTED_SUFFIXES",
    "LoadedDocument",
    "MetaValue",
    "decode_text",
    "iter_source_files",
    "load_file",
    "pdf_main_heading",
    "split_front_matter",
]

MetaValue = str | int | float | bool

SUPPORTED_SUFFIXES: frozenset[str] = frozenset(
    {".md", ".markdown", ".txt", ".pdf", ".html", ".htm", ".docx"}
)

_FORMATS: dict[str, str] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
}

DEFAULT_MAX_BYTES = 50 * 2**20


@dataclass(frozen=True)
class LoadedDocument:
    """One source file, read but not yet cleaned or chunked."""

    doc_id: str  # the file stem, e.g. "vng-positie-nds" (not the front-matter id)
    source_path: Path
    format: str  # "markdown" | "text" | "pdf" | "html" | "docx"
    pages: list[str]  # PDF: one string per page (page i+1); other formats: exactly one string
    metadata: dict[str, MetaValue] = field(default_factory=dict)
    content_hash: str = ""  # sha256 hex digest of the raw file bytes

    @property
    def text(self) -> str:
        """All pages joined by a blank line (uncleaned)."""
        return "\n\n".join(self.pages)


# -- public entry points -------------------------------------------------------------------------


def load_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedDocument:
    """Load one supported file; raise :class:`LoadError` (never anything else) on failure."""
    path = Path(path)
    where = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(where, f"unsupported file type {suffix or '(no extension)'}")
    try:
        st = path.stat()
    except FileNotFoundError:
        raise LoadError(where, "file not found (or a broken symlink)") from None
    except OSError as exc:
        raise LoadError(where, f"cannot read file: {exc.strerror or exc}") from None
    if not path.is_file():
        raise LoadError(where, "not a regular file")
    if st.st_size > max_bytes:
        raise LoadError(
            where,
            f"file is too large: {_human_size(st.st_size)} ({st.st_size} bytes) exceeds the "
            f"limit of {_human_size(max_bytes)} ({max_bytes} bytes); raise max_file_mb to load it",
        )
    try:
        with path.open("rb") as fh:
            raw = fh.read(max_bytes + 1)
    except OSError as exc:
        raise LoadError(where, f"cannot read file: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:  # the file grew after stat()
        raise LoadError(where, f"file is too large: exceeds the limit of {max_bytes} bytes")
    if not raw.strip():
        raise LoadError(
            where, "empty file (no text at all)" if not raw else "empty file (only whitespace)"
        )

    fmt = _FORMATS[suffix]
    loader = _LOADERS[fmt]
    try:
        pages, meta = loader(raw, path)
    except LoadError:
        raise
    except Exception as exc:  # any library failure becomes a one-line reason
        raise LoadError(where, f"could not read {fmt} file: {_one_line(exc)}") from exc

    metadata = _normalise_metadata(meta)
    # An admin's correction (index.sidecar) wins over what the file says about itself.
    try:
        metadata.update(read_correction(path))
        extra = sidecar_bytes(path)
    except (ValueError, OSError) as exc:
        raise LoadError(where, f"metadata correction: {_one_line(str(exc))}") from None
    title = metadata.get("title")
    if not isinstance(title, str) or not title.strip():
        metadata["title"] = _title_from_stem(path)
    metadata["format"] = fmt
    metadata["source_file"] = path.name
    digest = hashlib.sha256(raw)
    if extra is not None:  # a changed correction must re-index the document
        digest.update(b"\0correction\0" + extra)
    return LoadedDocument(
        doc_id=path.stem,
        source_path=path,
        format=fmt,
        pages=pages,
        metadata=metadata,
        content_hash=digest.hexdigest(),
    )


def iter_source_files(sources_dir: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Walk ``sources_dir`` recursively in sorted order: (files to load, refused (path, reason)).

    Names starting with "." (hidden) or "_", README files and metadata corrections
    (``*.meta.yaml``, see :mod:`index.sidecar`) are skipped silently.
    """
    sources_dir = Path(sources_dir)
    if not sources_dir.is_dir():
        raise LoadError(str(sources_dir), "sources folder not found (or not a folder)")
    root = sources_dir.resolve()
    files: list[Path] = []
    refused: list[tuple[Path, str]] = []

    def walk(folder: Path) -> None:
        try:
            entries = sorted(folder.iterdir(), key=lambda p: p.name)
        except OSError as exc:
            refused.append((folder, f"cannot read folder: {exc.strerror or exc}"))
            return
        for entry in entries:
            name = entry.name
            if name.startswith((".", "_")) or Path(name).stem.lower() == "readme":
                continue
            if is_sidecar(entry) and entry.is_file():
                continue
            if entry.is_symlink():
                try:
                    target = entry.resolve(strict=True)
                except (OSError, RuntimeError):
                    refused.append((entry, "broken symlink (its target does not exist)"))
                    continue
                if not target.is_relative_to(root):
                    refused.append((entry, "symlink points outside the sources folder"))
                    continue
                if target.is_dir():
                    refused.append((entry, "symlink to a folder (not followed)"))
                    continue
            if entry.is_dir():
                walk(entry)
                continue
            if not entry.is_file():
                refused.append((entry, "not a regular file"))
                continue
            suffix = entry.suffix.lower()
            if suffix not in SUPPORTED_SUFFIXES:
                refused.append((entry, f"unsupported file type {suffix or '(no extension)'}"))
                continue
            files.append(entry)

    walk(sources_dir)
    return files, refused


# -- text decoding and front matter --------------------------------------------------------------

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TEXT_CONTROLS = frozenset("\t\n\r\f\v")


def decode_text(raw: bytes) -> tuple[str, str]:
    """Decode bytes of a text file: ``(text, encoding)``; BOMs are removed.

    Order: BOM (UTF-8/16/32), strict UTF-8, cp1252, latin-1. Raises ``ValueError`` for binary data.

    >>> decode_text("coördinatie € één".encode("cp1252"))
    ('coördinatie € één', 'cp1252')
    >>> decode_text(b"\\xef\\xbb\\xbfhallo")
    ('hallo', 'utf-8-sig')
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                break
            text = text.removeprefix("\ufeff")
            _check_not_binary(text)
            return text, encoding
    if b"\x00" in raw:
        raise ValueError("looks like binary data, not text (contains NUL bytes)")
    for encoding in ("utf-8", "cp1252"):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        _check_not_binary(text)
        return text, encoding
    text = raw.decode("latin-1")
    _check_not_binary(text)
    return text, "latin-1"


def _check_not_binary(text: str) -> None:
    if not text:
        return
    sample = text[:65536]
    odd = sum(
        1
        for ch in sample
        if ch not in _TEXT_CONTROLS and (ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch == "\ufffd")
    )
    if "\x00" in sample or odd / len(sample) > 0.05:
        raise ValueError("looks like binary data, not text")


_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\r?\n(?P<yaml>.*?)^---[ \t]*\r?$\n?", re.S | re.M)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split optional YAML front matter from the body; raises ``ValueError`` when malformed.

    >>> split_front_matter("---\\ntitle: NDS\\n---\\nTekst\\n")
    ({'title': 'NDS'}, 'Tekst\\n')
    >>> split_front_matter("Geen front matter")
    ({}, 'Geen front matter')
    """
    if not re.match(r"---[ \t]*\r?\n", text):
        return {}, text
    match = _FRONT_MATTER_RE.match(text)
    if match is None:
        raise ValueError("front matter starts with '---' but has no closing '---' line")
    try:
        data = yaml.safe_load(match.group("yaml"))
    except yaml.YAMLError as exc:
        raise ValueError(f"malformed YAML front matter: {_yaml_problem(exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError(
            f"front matter is not a mapping of 'key: value' lines (got {type(data).__name__})"
        )
    return data, text[match.end() :]


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = getattr(exc, "problem", None) or getattr(exc, "context", None) or str(exc)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = _one_line(str(problem))
    if mark is not None:
        # +2: marks are 0-based and the YAML starts on the line after the opening '---'
        return f"{problem} (line {mark.line + 2} of the file, column {mark.column + 1})"
    return problem


# -- loaders: (raw bytes, path) -> (pages, metadata) ----------------------------------------------

Loaded = tuple[list[str], dict[str, Any]]


def _load_text(raw: bytes, path: Path) -> Loaded:
    where = str(path)
    try:
        text, encoding = decode_text(raw)
    except ValueError as exc:
        raise LoadError(where, f"{exc}; is this really a {path.suffix} file?") from None
    try:
        meta, body = split_front_matter(text)
    except ValueError as exc:
        raise LoadError(where, str(exc)) from None
    if not body.strip():
        raise LoadError(where, "empty file (no text after the front matter)")
    meta = {str(k): v for k, v in meta.items()}
    meta["encoding"] = encoding
    if not _clean_str(meta.get("title")):
        heading = _first_markdown_heading(body)
        if heading:
            meta["title"] = heading
    return [body], meta


_HEADING_RE = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)


def _first_markdown_heading(body: str) -> str | None:
    headings = [(len(m.group(1)), m.group(2).strip()) for m in _HEADING_RE.finditer(body)]
    headings = [(level, text) for level, text in headings if text]
    if not headings:
        return None
    top = min(level for level, _ in headings)
    return next(text for level, text in headings if level == top)


def _load_pdf(raw: bytes, path: Path) -> Loaded:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    where = str(path)
    if b"%PDF-" not in raw[:1024]:
        raise LoadError(where, "corrupt or truncated PDF: no %PDF- header (not a PDF file?)")
    if b"%%EOF" not in raw[-4096:]:
        raise LoadError(where, "corrupt or truncated PDF: the %%EOF end marker is missing")
    try:
        reader = PdfReader(io.BytesIO(raw))
    except DependencyError as exc:
        raise LoadError(where, f"PDF needs an extra package to read: {_one_line(exc)}") from None
    except PdfReadError as exc:
        if "decrypt" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise LoadError(where, f"encrypted PDF: {_one_line(exc)}") from None
        raise LoadError(where, f"corrupt or truncated PDF: {_one_line(exc)}") from None
    except Exception as exc:
        raise LoadError(where, f"corrupt or truncated PDF: {_one_line(exc)}") from None
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except DependencyError as exc:
            raise LoadError(
                where, f"encrypted PDF: decrypting it needs an extra package ({_one_line(exc)})"
            ) from None
        except Exception as exc:
            raise LoadError(where, f"encrypted PDF: cannot decrypt ({_one_line(exc)})") from None
        if not opened:
            raise LoadError(
                where, "encrypted PDF: it needs a password; save an unprotected copy and retry"
            )
    try:
        pages = [page.extract_text() or "" for page in reader.pages]
    except DependencyError as exc:
        raise LoadError(where, f"PDF needs an extra package to read: {_one_line(exc)}") from None
    except Exception as exc:
        raise LoadError(where, f"corrupt or truncated PDF: {_one_line(exc)}") from None
    if not pages:
        raise LoadError(where, "corrupt or truncated PDF: it has no pages")
    if not any(p.strip() for p in pages):
        raise LoadError(
            where,
            f"no text layer (scanned PDF?): none of the {len(pages)} page(s) has extractable "
            "text; run OCR first",
        )
    meta: dict[str, Any] = {}
    try:
        info = reader.metadata
    except Exception:
        info = None
    meta_title = _clean_str(_safe(lambda: info.title)) if info is not None else ""
    meta["title"] = _pdf_title(meta_title, reader, pages)
    if info is not None:
        author = _clean_str(_safe(lambda: info.author))
        if author:
            # Kept, but never the publisher: it is mostly the person who made the file, and
            # an official would see that name as the publisher in every citation.
            meta["author"] = author
        company = _clean_str(_safe(lambda: info.get("/Company")))
        if company and not _is_junk_title(company):
            meta["publisher"] = company  # Office's organisation field
        created = _safe(lambda: info.creation_date)
        if isinstance(created, dt.datetime) and _plausible_date(created.date()):
            meta["date"] = created.date().isoformat()
    meta["pages"] = len(pages)
    return pages, meta


def _plausible_date(day: dt.date) -> bool:
    """Creation dates of 1970 or the future come from unset or wrong clocks."""
    return dt.date(1990, 1, 1) <= day <= dt.date.today() + dt.timedelta(days=1)


def _pdf_title(meta_title: str, reader: Any, pages: list[str]) -> str | None:
    """The metadata title if it is a real title printed on the first pages; else the first
    page's main heading; else a non-junk metadata title; else None (the file name follows)."""
    usable = bool(meta_title) and not _is_junk_title(meta_title)
    if usable and _occurs_in(meta_title, " ".join(pages[:2])):
        return meta_title
    # The first page with text: a cover may be only an image.
    first = next((n for n in range(min(2, len(pages))) if pages[n].strip()), None)
    if first is not None:
        heading = _safe(lambda: pdf_main_heading(reader.pages[first]))
        if heading:
            return str(heading)
    return meta_title if usable else None


def _words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _occurs_in(title: str, text: str) -> bool:
    return f" {_words(title)} " in f" {_words(text)} "


_MAX_HEADING = 300
_COVER_SIZE = 16.0  # points: a cover page's title may be most of its text, body text is not


def pdf_main_heading(page: Any) -> str | None:
    """The text in the largest font on a pypdf page, if it stands out as a heading.

    Font size is the size set by ``Tf`` times the vertical scale of text and transformation
    matrix (Word's PDFs set size 1 and scale the matrix to 18). The heading is the first run
    of consecutive pieces at that size; lines are joined with a space, pieces on one line
    without. It must be 15% larger than the most used other size and hold a word of 3+
    letters; if it is itself the most used size, it must be cover-large (16 pt or more).
    """
    pieces: list[tuple[float, float, str]] = []  # (size, baseline y, text)

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        if not text.strip():
            return
        # the text matrix times the transformation matrix: its vertical scale and y offset
        m2, m3 = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        pieces.append((round(abs(size) * (m2 * m2 + m3 * m3) ** 0.5, 1), y, text))

    page.extract_text(visitor_text=visit)
    if not pieces:
        return None
    weight: dict[float, int] = {}
    for size, _, text in pieces:
        weight[size] = weight.get(size, 0) + len(text.strip())
    for top in sorted(weight, reverse=True):
        # Compared with the most used other size: on a cover page the title may well be
        # most of the text; a page in one size has no heading.
        others = [s for s in weight if s != top]
        if not others or top < max(others, key=lambda s: weight[s]) * 1.15:
            return None
        if weight[top] >= max(weight.values()) and top < _COVER_SIZE:
            return None  # the page's most used size is body text, unless it is cover-large
        run: list[tuple[float, str]] = []
        for size, y, text in pieces:
            if abs(size - top) <= 0.25:
                run.append((y, text))
            elif run:
                break
        parts: list[str] = []
        last_y: float | None = None
        for y, text in run:
            if last_y is not None and abs(y - last_y) > top * 0.3:
                parts.append(" ")  # a new line
            parts.append(text)
            last_y = y
        heading = _squash("".join(parts))
        if re.search(r"[^\W\d_]{3}", heading) and len(heading) <= _MAX_HEADING:
            return heading
    return None


_FILE_EXT = r"\.(?:docx?|dotx?|pdf|odt|ott|indd|indt|pptx?|potx?|xlsx?|rtf|txt|pages|qxp)\b"
_JUNK_WORDS = re.compile(
    r"\b(?:untitled|naamloos|template|sjabloon|microsoft (?:word|powerpoint))\b", re.I
)


def _is_junk_title(title: str) -> bool:
    """A file or template name, not a title: "RO_PUBL_030_A4_Informatieblad",
    "Microsoft Word - nota.docx", "Document1", "Untitled"."""
    lowered = title.lower().strip()
    if lowered in {"title", "titel", "document", "presentatie", "presentation"}:
        return True
    if re.search(_FILE_EXT, lowered) or _JUNK_WORDS.search(lowered):
        return True
    if re.fullmatch(r"(?:document|doc|presentatie|presentation|naamloos)\s*\d+", lowered):
        return True
    # one "word" glued with underscores: a file or template name ("COVID-19" is a title)
    return " " not in lowered and "_" in lowered


_HTML_DROP = ("nav", "header", "footer", "aside", "script", "style", "form", "noscript", "template")


def _load_html(raw: bytes, path: Path) -> Loaded:
    import trafilatura
    from bs4 import BeautifulSoup, UnicodeDammit

    where = str(path)
    if b"\x00" in raw and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise LoadError(where, "looks like binary data, not HTML (contains NUL bytes)")
    dammit = UnicodeDammit(raw, is_html=True)
    html = dammit.unicode_markup
    if html is None:
        raise LoadError(where, "cannot determine the text encoding of this HTML file")
    html = html.removeprefix("\ufeff")
    soup = BeautifulSoup(html, "html.parser")

    meta: dict[str, Any] = {}
    if dammit.original_encoding:
        meta["encoding"] = dammit.original_encoding
    if soup.title is not None and _clean_str(soup.title.get_text(" ")):
        meta["title"] = _squash(soup.title.get_text(" "))
    else:
        h1 = soup.find("h1")
        if h1 is not None and _clean_str(h1.get_text(" ")):
            meta["title"] = _squash(h1.get_text(" "))
    desc = soup.find("meta", attrs={"name": re.compile(r"^description$", re.I)})
    if desc is not None and _clean_str(desc.get("content")):
        meta["description"] = _squash(str(desc.get("content")))
    html_tag = soup.find("html")
    if html_tag is not None and _clean_str(html_tag.get("lang")):
        meta["language"] = str(html_tag.get("lang")).strip()
    canonical = soup.find("link", rel=lambda v: bool(v) and "canonical" in v)
    if canonical is not None and _clean_str(canonical.get("href")):
        meta["url"] = str(canonical.get("href")).strip()

    _prune_html(soup)
    text = trafilatura.extract(
        str(soup),
        output_format="markdown",
        include_comments=False,
        include_tables=True,
        favor_recall=True,
    )
    if not text or not text.strip():
        text = _html_fallback_text(soup)
    if not text.strip():
        raise LoadError(where, "empty file (no readable text in the HTML)")
    return [text], meta


def _prune_html(soup: Any) -> None:
    """Drop menus, sidebars, scripts and forms; keep headers/footers inside the article."""
    for tag in soup.find_all(_HTML_DROP):
        if tag.decomposed:
            continue
        if tag.name in ("header", "footer") and tag.find_parent(["article", "main"]) is not None:
            continue
        if tag.name == "form" and tag.find(["article", "main", "h1"]) is not None:
            tag.unwrap()  # ASP.NET pages wrap the whole page in one <form>
            continue
        tag.decompose()


def _html_fallback_text(soup: Any) -> str:
    body = soup.body or soup
    blocks: list[str] = []
    for el in body.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "td", "th"]):
        if el.find_parent(["p", "li", "pre", "td", "th"]) is not None:
            continue  # nested inside a block we already take whole
        text = _squash(el.get_text(" "))
        if not text:
            continue
        if el.name[0] == "h" and el.name[1:].isdigit():
            blocks.append("#" * int(el.name[1]) + " " + text)
        elif el.name == "li":
            blocks.append("- " + text)
        else:
            blocks.append(text)
    if not blocks:
        return _squash_lines(body.get_text("\n"))
    return "\n\n".join(blocks)


_HEADING_STYLE_RE = re.compile(r"^(?:heading|kop)\s*(\d)$", re.I)


def _load_docx(raw: bytes, path: Path) -> Loaded:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    where = str(path)
    try:
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, PackageNotFoundError):
        raise LoadError(where, "corrupt DOCX: not a valid Word (.docx) archive") from None
    except KeyError as exc:
        raise LoadError(where, f"corrupt DOCX: missing part {exc}") from None

    blocks: list[tuple[str, str]] = []  # (kind, text); kind "list" blocks are joined tightly
    first_heading: str | None = None
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            text = _squash(item.text)
            if not text:
                continue
            style = (item.style.name if item.style is not None else "") or ""
            level = _heading_level(style)
            if level:
                first_heading = first_heading or text
                blocks.append(("para", "#" * level + " " + text))
            elif _is_list_paragraph(item, style):
                blocks.append(("list", "- " + text))
            else:
                blocks.append(("para", text))
        elif isinstance(item, Table):
            rows = _docx_table_rows(item)
            if rows:
                blocks.append(("para", "\n".join(rows)))

    parts: list[str] = []
    prev_kind = ""
    for kind, text in blocks:
        if parts:
            parts.append("\n" if kind == "list" and prev_kind == "list" else "\n\n")
        parts.append(text)
        prev_kind = kind
    body = "".join(parts)
    if not body.strip():
        raise LoadError(where, "empty file (the Word document has no text)")

    meta: dict[str, Any] = {}
    props = document.core_properties
    title = _clean_str(props.title)
    if title:
        meta["title"] = title
    elif first_heading:
        meta["title"] = first_heading
    author = _clean_str(props.author)
    if author:
        meta["author"] = author
    if isinstance(props.created, dt.datetime):
        meta["date"] = props.created.date().isoformat()
    language = _clean_str(props.language)
    if language:
        meta["language"] = language
    return [body], meta


def _heading_level(style: str) -> int:
    if style.lower() == "title":
        return 1
    match = _HEADING_STYLE_RE.match(style.strip())
    return min(int(match.group(1)), 6) if match and int(match.group(1)) > 0 else 0


def _is_list_paragraph(paragraph: Any, style: str) -> bool:
    lowered = style.lower()
    if lowered.startswith(("list", "lijst")):
        return True
    ppr = paragraph._p.pPr
    return ppr is not None and ppr.numPr is not None


def _docx_table_rows(table: Any) -> list[str]:
    rows: list[str] = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # merged cells repeat the same underlying cell
                continue
            seen.add(id(cell._tc))
            cells.append(_squash(cell.text))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


_LOADERS: dict[str, Callable[[bytes, Path], Loaded]] = {
    "markdown": _load_text,
    "text": _load_text,
    "pdf": _load_pdf,
    "html": _load_html,
    "docx": _load_docx,
}


# -- small helpers -------------------------------------------------------------------------------


def _normalise_metadata(meta: dict[str, Any]) -> dict[str, MetaValue]:
    """Scalars only: lists joined with ", ", dates as ISO strings, None dropped."""
    out: dict[str, MetaValue] = {}
    for key, value in meta.items():
        scalar = _to_scalar(value)
        if scalar is not None:
            out[str(key)] = scalar
    return out


def _to_scalar(value: Any) -> MetaValue | None:
    if value is None:
        return None
    if isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        items = [_to_scalar(v) for v in value]
        return ", ".join(str(v) for v in items if v is not None and v != "")
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return str(value)


def _title_from_stem(path: Path) -> str:
    title = re.sub(r"[-_]+", " ", path.stem).strip()
    return re.sub(r"\s+", " ", title) or path.name


def _clean_str(value: Any) -> str:
    return _squash(value) if isinstance(value, str) else ""


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _squash_lines(text: str) -> str:
    lines = (_squash(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _safe(getter: Callable[[], Any]) -> Any:
    try:
        return getter()
    except Exception:
        return None


def _one_line(exc: BaseException | str) -> str:
    text = str(exc).strip() if not isinstance(exc, str) else exc.strip()
    first = text.splitlines()[0] if text else ""
    name = type(exc).__name__ if isinstance(exc, BaseException) else ""
    if not first:
        return name or "unknown error"
    return f"{name}: {first}"[:300] if name else first[:300]


def _human_size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size / 1024:.1f} KB"
