"""Lists a question asks for, gathered whole from the sources, even where chunks cut them.

A list in a source is a run of bullet or numbered lines ("1. **Cloudtechnologie**", "- Data
delen"), or of numbered lead lines ("Priority 1 – Cloud", "Priority 2 – Data"). Chunking packs
a long list into several chunks, so a list is read from the stitched text of its whole section
(the chunks under the same heading; they overlap, their document offsets say by how much), and
each item is quoted from a chunk that holds it whole.

A list answers the question when the best sentence is its lead-in or one of its items, or when
its heading or lead-in says what the question asks for ("De zes prioriteiten"). When the
question names a count ("de zes prioriteiten", "which two strategies"), a list of that length
wins over the others and a list of another length is not used.

>>> text = "## Doelen\\n\\nDe NDS kent 3 doelen:\\n\\n- Cloud\\n- Data\\n  delen.\\n- AI\\n\\nEn."
>>> [text[s:e] for s, e in list_spans(text)[0]]
['Cloud', 'Data\\n  delen.', 'AI']
>>> asked_count("Wat zijn de zes prioriteiten van de NDS?"), asked_count("Wat zegt prioriteit 6?")
(6, None)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from assistant.asks import asked_count, asks_for_list
from assistant.params import GAP, HEADING_SHARE, LIST_LEAD, MAX_ITEMS, ONE_ITEM_SHARE
from assistant.sentences import Candidate, term_share
from assistant.types import Passage
from assistant.verify import looks_like_instruction
from index.lexical import LexicalIndex

if TYPE_CHECKING:
    from assistant.question import Question

_ITEM = re.compile(r"^([ \t]*)(?:[-*+•]|\d{1,3}[.)])[ \t]+(?=\S)")
_NUMBERED = re.compile(r"^([A-Z][\w-]*)[ \t]+(\d{1,2})[ \t]*[–—:-][ \t]*(?=\S)")
_HEADING = re.compile(r"^#{1,6}[ \t]")
_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)")
# Constants (with where they came from): assistant.params.


def _lines(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _item_end(text: str, start: int, line_end: int, block_end: int) -> int:
    """Where an item's quotable text ends: its first line when that is a label
    ("**Cloudtechnologie**  "), else the end of its first sentence."""
    first = text[start:line_end]
    if first.endswith(("  ", "\\")) or re.fullmatch(r"\*\*[^*]+\*\*:?\s*", first):
        return start + len(first.rstrip(" \\"))
    m = _SENTENCE_END.search(text, start, block_end)
    end = m.end() if m else block_end
    return start + len(text[start:end].rstrip())


def list_spans(text: str) -> list[list[tuple[int, int]]]:
    """Each list in ``text`` as the ``(start, end)`` of its items' quotable text."""
    lines = _lines(text)
    out: list[list[tuple[int, int]]] = []
    # Bullet and numbered items: same indentation; deeper or blank lines continue an item.
    run: list[tuple[int, int, int]] = []  # (content start, line end, block end)
    indent = -1
    nested = False  # the last item has sub-items: its own text has ended

    def close() -> None:
        nonlocal run
        if len(run) >= 2:
            out.append([(s, _item_end(text, s, le, be)) for s, le, be in run])
        run = []

    for s, e in lines:
        line = text[s:e]
        m = _ITEM.match(line)
        if m and (not run or len(m.group(1)) == indent):
            indent, nested = len(m.group(1)), False
            run.append((s + m.end(), e, e))
        elif run and (not line.strip() or len(line) - len(line.lstrip()) > indent):
            nested = nested or m is not None
            if line.strip() and not nested:  # a continuation line extends the item's block
                cs, le, _ = run[-1]
                run[-1] = (cs, le, e)
        else:
            close()
            if m:
                indent, nested = len(m.group(1)), False
                run.append((s + m.end(), e, e))
    close()
    # Numbered lead lines: "Priority 1 – Cloud", "Priority 2 – Data", ... up to a heading.
    heads: list[tuple[str, int, int, int]] = []
    for s, e in lines:
        line = text[s:e]
        if _HEADING.match(line):
            heads.append(("#", 0, s, e))
        elif m := _NUMBERED.match(line):
            heads.append((m.group(1), int(m.group(2)), s, e))
    seq: list[tuple[int, int]] = []
    prev: tuple[str, int] | None = None
    for label, number, s, e in heads:
        if seq and prev == (label, number - 1):
            seq.append((s, s + len(text[s:e].rstrip())))
        else:
            if len(seq) >= 2:
                out.append(seq)
            seq = [(s, s + len(text[s:e].rstrip()))] if label != "#" else []
        prev = (label, number)
    if len(seq) >= 2:
        out.append(seq)
    return out


@dataclass
class SourceList:
    items: list[Candidate]
    lead: str  # the section heading and the line that introduces the list
    start: int  # document offsets of the lead-in and of the last item's end
    end: int
    rank: int  # retrieval rank of the passage it was found from


def _offset(p: Passage) -> int | None:
    start = p.metadata.get("start")
    return int(start) if isinstance(start, int) else None


def _gap(n: int, after: Passage) -> str:
    """The ``n`` whitespace characters chunking left out before the chunk ``after``, as ingest
    recorded them (``gap_before``; catalog migration 2 re-chunks documents from before it did).
    A gap it never records (longer than the chunker's limit) reads as blank lines."""
    recorded = after.metadata.get("gap_before")
    if isinstance(recorded, str) and len(recorded) == n:
        return recorded
    return "\n" * n


def _stitch(section: Sequence[Passage], passage: Passage) -> tuple[str, int, list[Passage]]:
    """The document text of the consecutive chunks around ``passage``, and its offset.
    Chunks overlap, or leave out the whitespace between them (see :func:`_gap`); a larger
    gap (a chunk missing) ends the run on that side."""
    at = next(i for i, p in enumerate(section) if p.chunk_id == passage.chunk_id)
    lo = at
    while lo > 0 and _joins(section[lo - 1], section[lo]):
        lo -= 1
    run = [section[lo]]
    for p in section[lo + 1 :]:
        if not _joins(run[-1], p):
            break
        run.append(p)
    base = _offset(run[0]) or 0
    text, covered = "", base
    for p in run:
        start = _offset(p) or 0
        if start > covered:
            text += _gap(start - covered, p)
            covered = start
        end = start + len(p.text)
        if end > covered:
            text += p.text[covered - start :]
            covered = end
    return text, base, run


def _joins(a: Passage, b: Passage) -> bool:
    """Does chunk ``b`` continue where chunk ``a`` ends (overlapping, or a small gap)?"""
    start_a, start_b = _offset(a), _offset(b)
    if start_a is None or start_b is None:
        return False
    return start_a <= start_b <= start_a + len(a.text) + GAP


def source_lists(passage: Passage, rank: int, section: Sequence[Passage]) -> list[SourceList]:
    """The lists in ``passage``'s section (or in the passage alone without one)."""
    chunks = list(section) or [passage]
    if passage.chunk_id not in {p.chunk_id for p in chunks} or _offset(passage) is None:
        text, base, chunks = passage.text, _offset(passage) or 0, [passage]
    else:
        text, base, chunks = _stitch(chunks, passage)
    heading = str(passage.metadata.get("heading_path", "")).split(" > ")[-1]
    out = []
    for spans in list_spans(text):
        items = []
        for s, e in spans[:MAX_ITEMS]:
            quote = text[s:e]
            if len(quote.strip()) < 2 or looks_like_instruction(quote):
                continue
            # Quote from the retrieved chunk when it holds the item whole, else a neighbour.
            for p in sorted(chunks, key=lambda p: p.chunk_id != passage.chunk_id):
                at = base + s - (_offset(p) or 0)
                if (
                    at >= 0
                    and at + len(quote) <= len(p.text)
                    and p.text[at : at + len(quote)] == quote
                ):
                    items.append(Candidate(rank, p, at, at + len(quote), quote))
                    break
        if len(items) < 2:
            continue
        first = spans[0][0]
        lead_start = max(0, first - LIST_LEAD)
        before = [
            line for line in text[: text.rfind("\n", 0, first) + 1].split("\n") if line.strip()
        ]
        intro = before[-1] if before and not _ITEM.match(before[-1]) else ""
        lead = heading + "\n" + intro
        out.append(SourceList(items, lead, base + lead_start, base + spans[-1][1], rank))
    return out


def list_answer(
    question: str | Question,
    cands: Sequence[Candidate],
    passages: Sequence[Passage],
    section: Callable[[Passage], Sequence[Passage]] | None,
    lexical: LexicalIndex,
) -> list[Candidate] | None:
    """The items of the source list that answers a list question, or None.

    ``section`` gives a passage's section (for lists a chunk boundary cut).
    """
    text = question if isinstance(question, str) else question.text
    asks_list = asks_for_list(text) if isinstance(question, str) else question.asks_list
    if not asks_list or not cands:
        return None
    share = term_share(question, lexical)
    wanted = asked_count(text) if isinstance(question, str) else question.asked_count
    best = max(cands, key=lambda c: c.score)
    best_at = _doc_span(best)[0]
    found: dict[tuple[str, int], SourceList] = {}
    for rank, p in enumerate(passages[:6]):
        for sl in source_lists(p, rank, section(p) if section else [p]):
            found.setdefault((p.source_id, sl.start), sl)
    choices = []
    for (doc, _), sl in found.items():
        if wanted is not None and len(sl.items) != wanted:
            continue
        heading = share(sl.lead)
        anchored = best.passage.source_id == doc and sl.start <= best_at <= sl.end
        if anchored and _about_one_item(sl, best_at, share):
            anchored = False
        if anchored or heading >= HEADING_SHARE:
            # A list whose heading says what was asked beats one that holds the best sentence.
            key = (wanted is not None, heading >= HEADING_SHARE, anchored, heading, -sl.rank)
            choices.append((key, sl))
    if not choices:
        return None
    return max(choices, key=lambda t: t[0])[1].items


def _about_one_item(sl: SourceList, at: int, share: Callable[[str], float]) -> bool:
    """Is the question about the item at document offset ``at`` rather than the list? It is
    when that item holds much of the question and the other items hardly any ("Welke doelen
    stelt de NDS voor weerbaarheid en autonomie?" and the item "Weerbaarheid en autonomie")."""
    # The best sentence starts at the item's marker ("5. **Weerbaarheid**"), or inside it.
    inside = [c for c in sl.items if _doc_span(c)[0] - 8 <= at < _doc_span(c)[1]]
    if not inside:
        return False  # the best sentence is the list's lead-in
    own = share(inside[0].text)
    rest = [share(c.text) for c in sl.items if c is not inside[0]]
    return own >= ONE_ITEM_SHARE and max(rest, default=0.0) <= own / 3


def _doc_span(c: Candidate) -> tuple[int, int]:
    start = (_offset(c.passage) or 0) + c.start
    return start, start + len(c.text)
