"""Sentence-aware chunking with exact character offsets and heading paths.

A chunk is always a slice of the cleaned document: ``text[chunk.start:chunk.end] == chunk.text``.
Headings (Markdown ``#`` lines, which every loader emits) start a new chunk and give the
``heading_path`` of the chunks below them. Sentences are packed up to ``chunk_size`` characters;
the next chunk repeats the last sentences of the previous one up to ``overlap`` characters.

>>> doc = "# Doelen\\n\\nDe NDS kent zes prioriteiten. Cloud is de eerste."
>>> doc += "\\n\\n## Data\\n\\nData delen."
>>> chunks = chunk_text("d", doc, chunk_size=200, overlap=0)
>>> [(c.heading_path, c.text) for c in chunks]  # doctest: +NORMALIZE_WHITESPACE
[('Doelen', '# Doelen\\n\\nDe NDS kent zes prioriteiten. Cloud is de eerste.'),
 ('Doelen > Data', '## Data\\n\\nData delen.')]
>>> all(doc[c.start:c.end] == c.text for c in chunks)
True
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from index.language import MONTHS

# Words after which a period does not end a sentence (Dutch and English abbreviations).
_ABBREVIATIONS = frozenset(
    """
    bijv bv o.a a.o d.w.z nr nrs art mr dhr mevr drs ir dr prof jl e.d m.b.t t.a.v i.v.m o.b.v
    z.s.m etc ca blz p pp st stb stcrt vs e.g i.e resp evt incl excl min max jr mln mld no fig
    m.i.v m.n n.a.v t.b.v t.o.v v.w.b vgl zgn zg red cf
    """.split()
)

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+")
# "Aanvang: 18.00 uur" / "Locatie: commissiekamer 1": a labelled field on its own line.
_LABEL_LINE = re.compile(r"^[ \t]*[A-Z][\w ()'/-]{1,30}:[ \t]+\S")
# Candidate sentence ends: terminal punctuation (optionally closed by quotes/brackets) + space.
_SENT_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)")


@dataclass(frozen=True)
class Chunk:
    """One retrievable passage; ``text`` equals the cleaned document sliced at ``start:end``."""

    chunk_id: str
    doc_id: str
    position: int
    text: str
    start: int
    end: int
    heading_path: str = ""
    page: int | None = None
    metadata: dict[str, str | int | float | bool] = field(default_factory=dict)


def make_chunk_id(doc_id: str, position: int, text: str) -> str:
    """Deterministic id from document id, position and a hash of the content.

    >>> make_chunk_id("vng-positie-nds", 3, "tekst")
    'vng-positie-nds:0003:324d0315d575'
    """
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return f"{doc_id}:{position:04d}:{digest}"


@dataclass(frozen=True)
class _Unit:
    """A sentence (or heading line) span; headings carry their level and title."""

    start: int
    end: int
    heading_level: int = 0
    heading: str = ""


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the period at ``dot`` closes an abbreviation or an initial ("F.Z. Szabó")."""
    j = dot
    while j > 0 and (text[j - 1].isalnum() or text[j - 1] == "."):
        j -= 1
    word = text[j:dot].lower()
    if not word:
        return False
    if word in _ABBREVIATIONS:
        return True
    # Single letters and dotted initials: "F.", "F.Z.", "e.g."
    return len(word.replace(".", "")) <= 1 or bool(re.fullmatch(r"(?:\w\.)+\w", word))


def _split_sentences(
    text: str, start: int, end: int, split_lines: bool = False
) -> Iterator[tuple[int, int]]:
    """Sentence spans inside ``text[start:end]`` (a paragraph without blank lines).

    A line break alone does not end a sentence (PDF text is hard-wrapped), but a line that
    starts a list item does. A period followed by a lowercase word does not end one either.
    """
    lines: list[tuple[int, int]] = []
    pos = start
    for line in text[start:end].split("\n"):
        lines.append((pos, pos + len(line)))
        pos += len(line) + 1
    # Group lines into blocks: a list item starts a new block.
    blocks: list[list[int]] = []
    for ls, le in lines:
        line = text[ls:le]
        starts_unit = _LIST_ITEM.match(line) or (
            split_lines and (_LABEL_LINE.match(line) or _is_field(text[blocks[-1][0] : ls]))
            if blocks
            else False
        )
        if blocks and not starts_unit:
            blocks[-1][1] = le
        else:
            blocks.append([ls, le])
    for bs, be in blocks:
        seg_start = bs
        for m in _SENT_END.finditer(text, bs, be):
            cut = m.end()
            nxt = re.compile(r"\s*(\S)").match(text, cut, be)
            if nxt is None:
                continue
            following = nxt.group(1)
            if following.islower() or following in ",;:":
                continue
            if (
                m.group(0).startswith(".")
                and len(m.group(0)) == 1
                and _is_abbreviation(text, m.start())
            ):
                continue
            if text[seg_start:cut].strip():
                yield from _trimmed(text, seg_start, cut)
            seg_start = cut
        if text[seg_start:be].strip():
            yield from _trimmed(text, seg_start, be)


def _trimmed(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield start, end


def _hard_split(text: str, start: int, end: int, size: int) -> Iterator[tuple[int, int]]:
    """Split an over-long sentence at whitespace so no unit exceeds ``size``."""
    while end - start > size:
        cut = text.rfind(" ", start + size // 2, start + size)
        if cut <= start:
            cut = start + size
        yield from _trimmed(text, start, cut)
        start = cut
    yield from _trimmed(text, start, end)


def _is_field(previous: str) -> bool:
    """The block so far is a short labelled field or title line with no sentence end."""
    last = previous.rstrip("\n").rsplit("\n", 1)[-1]
    return bool(_LABEL_LINE.match(last)) and not last.rstrip().endswith((".", ",", ";"))


def _units(text: str, size: int, split_lines: bool = False) -> Iterator[_Unit]:
    """Headings and sentences of ``text`` in order, as spans."""
    for para in re.finditer(r"[^\n](?:.|\n(?![ \t]*\n))*", text):
        ps, pe = para.start(), para.end()
        first_line_end = text.find("\n", ps, pe)
        first_line_end = pe if first_line_end == -1 else first_line_end
        head = _HEADING.match(text[ps:first_line_end])
        if head:
            yield from (
                _Unit(s, e, len(head.group(1)), head.group(2).strip())
                for s, e in _trimmed(text, ps, first_line_end)
            )
            ps = first_line_end + 1
            if ps >= pe:
                continue
        for s, e in _split_sentences(text, ps, pe, split_lines):
            for hs, he in _hard_split(text, s, e, size):
                yield _Unit(hs, he)


def chunk_text(
    doc_id: str,
    text: str,
    *,
    chunk_size: int = 900,
    overlap: int = 150,
    page_starts: Sequence[int] | None = None,
    metadata: dict[str, str | int | float | bool] | None = None,
) -> list[Chunk]:
    """Chunk a cleaned document. ``page_starts[i]`` is where page ``i + 1`` begins (PDFs)."""
    headings: list[tuple[int, str]] = []  # stack of (level, title)
    groups: list[tuple[list[_Unit], str]] = []
    current: list[_Unit] = []
    current_path = ""

    def flush(keep_overlap: bool) -> list[_Unit]:
        if current and any(u.heading_level == 0 for u in current):
            groups.append((list(current), current_path))
        elif current and not keep_overlap:
            groups.append((list(current), current_path))  # a document of headings only
        if not keep_overlap:
            return []
        tail: list[_Unit] = []
        used = 0
        for u in reversed(current):
            if u.heading_level or used + (u.end - u.start) > overlap:
                break
            tail.insert(0, u)
            used += u.end - u.start
        return tail if len(tail) < len(current) else []

    for unit in _units(text, chunk_size):
        if unit.heading_level:
            if any(u.heading_level == 0 for u in current):
                flush(False)
                current = []
            while headings and headings[-1][0] >= unit.heading_level:
                headings.pop()
            headings.append((unit.heading_level, unit.heading))
            if not current:
                current_path = " > ".join(h for _, h in headings)
            current.append(unit)
            current_path = " > ".join(h for _, h in headings)
            continue
        length = unit.end - current[0].start if current else 0
        if current and length > chunk_size and any(u.heading_level == 0 for u in current):
            current = flush(True)
        if not current:
            current_path = " > ".join(h for _, h in headings)
        current.append(unit)
    if current:
        flush(False)

    chunks: list[Chunk] = []
    for position, (units, path) in enumerate(groups):
        start, end = units[0].start, units[-1].end
        body = text[start:end]
        page = bisect.bisect_right(page_starts, start) if page_starts else None
        meta = dict(metadata or {})
        meta.update({"doc_id": doc_id, "position": position, "start": start, "end": end})
        meta["heading_path"] = path
        if page is not None:
            meta["page"] = page
        previous_end = chunks[-1].end if chunks else start
        if 0 < start - previous_end <= 32 and text[previous_end:start].isspace():
            # The whitespace between two chunks is in neither; keep it, so the chunks can be
            # joined back into the document's text (a list that a chunk boundary cut).
            meta["gap_before"] = text[previous_end:start]
        chunks.append(
            Chunk(
                chunk_id=make_chunk_id(doc_id, position, body),
                doc_id=doc_id,
                position=position,
                text=body,
                start=start,
                end=end,
                heading_path=path,
                page=page,
                metadata=meta,
            )
        )
    return chunks


def date_words(iso: str) -> str:
    """An ISO date as people write it, in Dutch and English, so questions can match it.

    >>> date_words("2025-06-11")
    '11 juni 2025 / 11 June 2025'
    >>> date_words("onbekend")
    ''
    """
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", iso.strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return ""
    year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    nl, en = MONTHS["nl"][month - 1], MONTHS["en"][month - 1].capitalize()
    return f"{day} {nl} {year} / {day} {en} {year}"


def embedding_text(chunk: Chunk) -> str:
    """What gets embedded and BM25-indexed: the passage with its document's context.

    Title, publisher, date and heading path are not in the passage text, but questions name
    them ("de brief van de VNG van 11 juni 2025").
    """
    meta = chunk.metadata
    header = [
        str(meta.get("title") or ""),
        str(meta.get("publisher") or ""),
        date_words(str(meta.get("date") or "")),
        chunk.heading_path,
    ]
    parts = [p for p in header if p and p not in chunk.text]
    return "\n".join([" · ".join(parts), chunk.text]) if parts else chunk.text


def quotable_sentences(text: str) -> list[str]:
    """The sentences of a passage that an answer may quote: not headings, a few words long.

    >>> quotable_sentences("# Doel\\n\\nEén overheid voor iedereen. Ja.")
    ['Eén overheid voor iedereen.']
    """
    out = []
    for start, end, heading in sentence_spans(text):
        sentence = text[start:end]
        if not heading and len(re.findall(r"\w{2,}", sentence)) >= 3:
            out.append(sentence)
    return out


def sentences_to_embed(texts: Iterable[str]) -> list[str]:
    """The distinct quotable sentences of these passages, in order: what ingest embeds so
    that answering need not (the benchmarks rebuild the same list).

    >>> sentences_to_embed(["Eén overheid voor iedereen.", "Eén overheid voor iedereen."])
    ['Eén overheid voor iedereen.']
    """
    return list(dict.fromkeys(s for text in texts for s in quotable_sentences(text)))


def sentence_spans(text: str) -> list[tuple[int, int, bool]]:
    """``(start, end, is_heading)`` of each sentence and heading line, in order.

    For quoting, labelled fields on their own lines ("Locatie: zaal 1") are units of their
    own; chunking keeps them with their neighbours.

    >>> t = "# Doel\\n\\nEén overheid. Zie art. 3 van de wet."
    >>> [(t[s:e], h) for s, e, h in sentence_spans(t)]
    [('# Doel', True), ('Eén overheid.', False), ('Zie art. 3 van de wet.', False)]
    >>> t = "Aanvang: 18.00 uur\\nSluiting: 20.00 uur\\nLocatie: commissiekamer 1"
    >>> [t[s:e] for s, e, _ in sentence_spans(t)]
    ['Aanvang: 18.00 uur', 'Sluiting: 20.00 uur', 'Locatie: commissiekamer 1']
    """
    units = _units(text, max(len(text), 1), split_lines=True)
    return [(u.start, u.end, u.heading_level > 0) for u in units]
