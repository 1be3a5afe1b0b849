"""Word (.docx): paragraphs, headings (Heading/Kop styles) and lists as Markdown, tables as
rows of cells, metadata from the core properties."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from index.errors import LoadError
from index.loaders.base import Loaded, clean_str, squash

_HEADING_STYLE_RE = re.compile(r"^(?:heading|kop)\s*(\d)$", re.I)


def load_docx(raw: bytes, path: Path) -> Loaded:
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
            text = squash(item.text)
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
    title = clean_str(props.title)
    if title:
        meta["title"] = title
    elif first_heading:
        meta["title"] = first_heading
    author = clean_str(props.author)
    if author:
        meta["author"] = author
    if isinstance(props.created, dt.datetime):
        meta["date"] = props.created.date().isoformat()
    language = clean_str(props.language)
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
            cells.append(squash(cell.text))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows
