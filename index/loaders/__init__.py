"""Read one source file (Markdown, text, PDF, HTML, DOCX) into a uniform, Markdown-ish text.

One module per format (``markdown``, ``text``, ``pdf``, ``html``, ``docx``) behind one registry,
:data:`LOADERS`. Every loader returns pages and metadata; :func:`load_file` turns them into a
:class:`LoadedDocument`, and every failure into a :class:`~index.errors.LoadError` with a
one-line reason an official can act on. Loaders do not clean text (see :mod:`index.clean`): PDF
artefacts survive here verbatim.

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

import hashlib
from pathlib import Path

from index.errors import LoadError
from index.loaders.base import (
    LoadedDocument,
    Loader,
    MetaValue,
    human_size,
    normalise_metadata,
    one_line,
    title_from_stem,
)
from index.loaders.docx import load_docx
from index.loaders.html import load_html
from index.loaders.markdown import load_markdown, split_front_matter
from index.loaders.pdf import load_pdf, pdf_main_heading
from index.loaders.text import decode_text
from index.sidecar import is_sidecar, read_correction, sidecar_bytes

__all__ = [
    "LOADERS",
    "SUPPORTED_SUFFIXES",
    "LoadedDocument",
    "MetaValue",
    "decode_text",
    "iter_source_files",
    "load_file",
    "pdf_main_heading",
    "split_front_matter",
]

# File suffix -> format; format -> its loader.
FORMATS: dict[str, str] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".docx": "docx",
}
LOADERS: dict[str, Loader] = {
    "markdown": load_markdown,
    "text": load_markdown,  # plain text may carry front matter too
    "pdf": load_pdf,
    "html": load_html,
    "docx": load_docx,
}
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(FORMATS)

DEFAULT_MAX_BYTES = 50 * 2**20


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
            f"file is too large: {human_size(st.st_size)} ({st.st_size} bytes) exceeds the "
            f"limit of {human_size(max_bytes)} ({max_bytes} bytes); raise max_file_mb to load it",
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

    fmt = FORMATS[suffix]
    loader = LOADERS[fmt]
    try:
        pages, meta = loader(raw, path)
    except LoadError:
        raise
    except Exception as exc:  # any library failure becomes a one-line reason
        raise LoadError(where, f"could not read {fmt} file: {one_line(exc)}") from exc

    metadata = normalise_metadata(meta)
    # An admin's correction (index.sidecar) wins over what the file says about itself.
    try:
        metadata.update(read_correction(path))
        extra = sidecar_bytes(path)
    except (ValueError, OSError) as exc:
        raise LoadError(where, f"metadata correction: {one_line(str(exc))}") from None
    title = metadata.get("title")
    if not isinstance(title, str) or not title.strip():
        metadata["title"] = title_from_stem(path)
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
