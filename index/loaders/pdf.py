"""PDF: the text layer per page (pypdf), a title a person would recognise, refusals with a
reason for encrypted, scanned or broken files."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import Any

from index.errors import LoadError
from index.loaders.base import Loaded, clean_str, one_line, safe, squash


def load_pdf(raw: bytes, path: Path) -> Loaded:
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
        raise LoadError(where, f"PDF needs an extra package to read: {one_line(exc)}") from None
    except PdfReadError as exc:
        if "decrypt" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise LoadError(where, f"encrypted PDF: {one_line(exc)}") from None
        raise LoadError(where, f"corrupt or truncated PDF: {one_line(exc)}") from None
    except Exception as exc:
        raise LoadError(where, f"corrupt or truncated PDF: {one_line(exc)}") from None
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except DependencyError as exc:
            raise LoadError(
                where, f"encrypted PDF: decrypting it needs an extra package ({one_line(exc)})"
            ) from None
        except Exception as exc:
            raise LoadError(where, f"encrypted PDF: cannot decrypt ({one_line(exc)})") from None
        if not opened:
            raise LoadError(
                where, "encrypted PDF: it needs a password; save an unprotected copy and retry"
            )
    try:
        pages = [page.extract_text() or "" for page in reader.pages]
    except DependencyError as exc:
        raise LoadError(where, f"PDF needs an extra package to read: {one_line(exc)}") from None
    except Exception as exc:
        raise LoadError(where, f"corrupt or truncated PDF: {one_line(exc)}") from None
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
    meta_title = clean_str(safe(lambda: info.title)) if info is not None else ""
    meta["title"] = _pdf_title(meta_title, reader, pages)
    if info is not None:
        author = clean_str(safe(lambda: info.author))
        if author:
            # Kept, but never the publisher: it is mostly the person who made the file, and
            # an official would see that name as the publisher in every citation.
            meta["author"] = author
        company = clean_str(safe(lambda: info.get("/Company")))
        if company and not is_junk_title(company):
            meta["publisher"] = company  # Office's organisation field
        created = safe(lambda: info.creation_date)
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
    usable = bool(meta_title) and not is_junk_title(meta_title)
    if usable and _occurs_in(meta_title, " ".join(pages[:2])):
        return meta_title
    # The first page with text: a cover may be only an image.
    first = next((n for n in range(min(2, len(pages))) if pages[n].strip()), None)
    if first is not None:
        heading = safe(lambda: pdf_main_heading(reader.pages[first]))
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
        heading = squash("".join(parts))
        if re.search(r"[^\W\d_]{3}", heading) and len(heading) <= _MAX_HEADING:
            return heading
    return None


_FILE_EXT = r"\.(?:docx?|dotx?|pdf|odt|ott|indd|indt|pptx?|potx?|xlsx?|rtf|txt|pages|qxp)\b"
_JUNK_WORDS = re.compile(
    r"\b(?:untitled|naamloos|template|sjabloon|microsoft (?:word|powerpoint))\b", re.I
)


def is_junk_title(title: str) -> bool:
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
