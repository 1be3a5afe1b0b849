"""Clean loaded text: Unicode, PDF hyphenation, whitespace, repeated page headers/footers.

Each rule is a small function; :func:`clean_text` chains the per-text rules and is idempotent.
:func:`clean_pages` also removes running headers/footers and page numbers and keeps page offsets.

>>> clean_text(" Gemeenten zijn betrokken bij de totstand- \\nkoming van de NDS.\\u00a0\\n\\n")
'Gemeenten zijn betrokken bij de totstandkoming van de NDS.'
>>> text, starts = clean_pages(["Kop\\nEen\\n1", "Kop\\nTwee\\n2", "Kop\\nDrie\\n3"])
>>> text, starts
('Een\\n\\nTwee\\n\\nDrie', [0, 5, 11])
>>> page_of(7, starts)
2
"""

from __future__ import annotations

import bisect
import math
import re
import unicodedata
from collections import Counter

__all__ = [
    "clean_pages",
    "clean_text",
    "dehyphenate",
    "is_page_number_line",
    "normalize_unicode",
    "normalize_whitespace",
    "page_of",
    "remove_headers_footers",
]

# -- rule 1: unicode ------------------------------------------------------------------------------

_LINE_BREAKS = {"\f": "\n", "\v": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"}
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")


def _map_char(ch: str) -> str:
    if ch in ("\n", "\t", " "):
        return ch
    if ch in _LINE_BREAKS:
        return _LINE_BREAKS[ch]
    if ch in _INVISIBLE:
        return ""
    category = unicodedata.category(ch)
    if category == "Cc":
        return ""
    if category == "Zs":
        return " "
    return ch


def normalize_unicode(text: str) -> str:
    """NFC; drop soft hyphens, zero-width and control chars (not \\n, \\t); unify spaces, newlines.

    >>> normalize_unicode("gereali\\u00adseerd\\u00a0NDS\\r\\ncoo\\u0308rdinatie")
    'gerealiseerd NDS\\ncoördinatie'
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(_map_char(ch) for ch in text)
    return unicodedata.normalize("NFC", text)


# -- rule 2: de-hyphenation ----------------------------------------------------------------------

# a letter, a hyphen, optional spaces, ONE line break, optional spaces, a letter
_BREAK_HYPHEN_RE = re.compile(r"(?<=[^\W\d_])-[ \t]*\n[ \t]*(?=[^\W\d_])")
# Dutch "weglatingsstreepje": "gemeente-\nen provinciebesturen" keeps "gemeente- en"
_CONJUNCTION_RE = re.compile(r"(?:en|of|tot|and|or)(?![^\W\d_])")


def _word_before(text: str, end: int) -> str:
    start = end
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return text[start:end]


def _join_hyphen(match: re.Match[str]) -> str:
    text = match.string
    nxt = text[match.end()]
    if not (nxt.isalpha() and nxt.islower()):
        return match.group(0)  # next line starts with a capital: maybe a new sentence
    word = _word_before(text, match.start())
    if not word:
        return match.group(0)  # e.g. "¼-": \w but not a letter
    if _CONJUNCTION_RE.match(text, match.end()):
        return "- "  # "gemeente- en provinciebesturen"
    if len(word) == 1 or word.isupper() or not word[-1].islower():
        return "-"  # acronym or letter: "NDS-uitvoeringsprogramma", "e-mail", "eID-kaart"
    return ""  # "gereali-\nseerd" -> "gerealiseerd"


def dehyphenate(text: str) -> str:
    """Join words that PDF extraction split over two lines; keep real hyphens.

    >>> dehyphenate("interbestuurlijk gereali-\\nseerd gaan worden")
    'interbestuurlijk gerealiseerd gaan worden'
    >>> dehyphenate("het NDS-\\nuitvoeringsprogramma per e-\\nmail")
    'het NDS-uitvoeringsprogramma per e-mail'
    """
    return _BREAK_HYPHEN_RE.sub(_join_hyphen, text)


# -- rule 3: whitespace --------------------------------------------------------------------------

_INNER_SPACES_RE = re.compile(r"[ \t]{2,}|\t")
_MANY_NEWLINES_RE = re.compile(r"\n{3,}")


def _clean_line(line: str) -> str:
    line = line.rstrip(" \t")
    body = line.lstrip(" \t")
    indent = line[: len(line) - len(body)]
    if indent == " ":
        indent = ""  # a single leading space is a PDF extraction artefact
    return indent + _INNER_SPACES_RE.sub(" ", body)


def normalize_whitespace(text: str) -> str:
    """Strip line ends, collapse inner space runs, max one blank line, trim the document.

    Leading indentation of two or more columns is kept (nested Markdown lists, code); a single
    leading space (PDF artefact) is dropped. Single line breaks are never joined.

    >>> normalize_whitespace("\\n\\n Als één \\n  - item\\tmet   tab\\n\\n\\n\\nEinde \\n")
    'Als één\\n  - item met tab\\n\\nEinde'
    """
    text = "\n".join(_clean_line(line) for line in text.split("\n"))
    text = _MANY_NEWLINES_RE.sub("\n\n", text)
    return text.strip("\n")


def clean_text(text: str) -> str:
    """Apply rules 1-3 (Unicode, de-hyphenation, whitespace). Idempotent.

    >>> clean_text("daadkrachtig en interbestuurlijk gereali-\\nseerd gaan worden.\\u200b  ")
    'daadkrachtig en interbestuurlijk gerealiseerd gaan worden.'
    """
    return normalize_whitespace(dehyphenate(normalize_unicode(text)))


# -- rule 4: running headers/footers and page numbers (per page) ---------------------------------

_PAGE_NUMBER_RES = (
    re.compile(r"^[-–—]?\s*\d{1,4}\s*[-–—]?$"),  # "3", "- 3 -"
    re.compile(r"^\d{1,4}\s*/\s*\d{1,4}$"),  # "3/12"
    re.compile(
        r"^(?:pagina|page|blz\.?|bladzijde|p\.)\s*\d{1,4}(?:\s*(?:van|of|/|uit)\s*\d{1,4})?$",
        re.I,
    ),
)
_EDGE_LINES = 2  # how many non-empty lines at the top and bottom count as header/footer zone
_MIN_PAGES = 3
_MIN_SHARE = 0.6


def is_page_number_line(line: str) -> bool:
    """True for page-number-only lines.

    >>> [is_page_number_line(s) for s in ["3", "- 3 -", "Pagina 3 van 12", "Page 3 of 12", "2025"]]
    [True, True, True, True, True]
    >>> is_page_number_line("3 prioriteiten")
    False
    """
    line = line.strip()
    return any(rx.match(line) for rx in _PAGE_NUMBER_RES)


def _line_key(line: str) -> str:
    return re.sub(r"\d", "#", re.sub(r"\s+", " ", line.strip()))


def _edge_indices(lines: list[str]) -> list[int]:
    non_empty = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(non_empty[:_EDGE_LINES] + non_empty[-_EDGE_LINES:]))


def remove_headers_footers(pages: list[str]) -> list[str]:
    """Drop lines repeated at the top/bottom of >= 60% of >= 3 pages, and edge page numbers.

    A line's identity ignores digits ("Pagina 2" == "Pagina 7"). Page-number-only lines at the
    top/bottom are removed whenever there are at least two pages.

    >>> remove_headers_footers(["NDS\\nEen\\n1", "NDS\\nTwee\\n2", "NDS\\nDrie\\n3"])
    ['Een', 'Twee', 'Drie']
    """
    split = [page.split("\n") for page in pages]
    edges = [_edge_indices(lines) for lines in split]
    counts: Counter[str] = Counter()
    for lines, idx in zip(split, edges, strict=True):
        counts.update({_line_key(lines[i]) for i in idx})
    repeated: set[str] = set()
    if len(pages) >= _MIN_PAGES:
        needed = math.ceil(_MIN_SHARE * len(pages))
        repeated = {key for key, n in counts.items() if n >= needed}
    out: list[str] = []
    for lines, idx in zip(split, edges, strict=True):
        drop = {
            i
            for i in idx
            if _line_key(lines[i]) in repeated
            or (len(pages) >= 2 and is_page_number_line(lines[i]))
        }
        kept = [line for i, line in enumerate(lines) if i not in drop]
        out.append("\n".join(kept))
    return out


def clean_pages(pages: list[str]) -> tuple[str, list[int]]:
    """Clean each page, drop repeated page headers/footers, join pages with "\\n\\n".

    Returns (cleaned full text, page_starts) where page_starts[i] is the offset in the cleaned
    text where page i+1 begins. An empty page starts where the next page's text starts (or at
    the end of the text).

    >>> clean_pages(["Een", "", "Twee"])
    ('Een\\n\\nTwee', [0, 5, 5])
    """
    cleaned = [clean_text(page) for page in pages]
    cleaned = [clean_text(page) for page in remove_headers_footers(cleaned)]
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    for page in cleaned:
        if page:
            if parts:
                parts.append("\n\n")
                pos += 2
            starts.append(pos)
            parts.append(page)
            pos += len(page)
        else:
            starts.append(pos + 2 if parts else 0)
    text = "".join(parts)
    return text, [min(s, len(text)) for s in starts]


def page_of(offset: int, page_starts: list[int]) -> int:
    """1-based page number of a character offset in the text returned by :func:`clean_pages`.

    >>> page_of(0, [0, 5, 9]), page_of(5, [0, 5, 9]), page_of(100, [0, 5, 9])
    (1, 2, 3)
    """
    return max(1, bisect.bisect_right(page_starts, offset))
