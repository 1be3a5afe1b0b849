"""The streaming marker parser: the model's reply cut into sentences as it arrives, and each
sentence's ``[n]`` markers read off."""

from __future__ import annotations

import re
from collections.abc import Iterator

_MARKER = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")
_MARKS = r"(?:[ \t]*\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\])*"
# A sentence ends after . ! ? (plus any markers) when the next text starts a new sentence, or
# at a line break. The lookahead needs the next character, so a trailing marker still to come
# stays with its sentence.
_BOUNDARY = re.compile(
    r"(?<=[.!?])(?P<m1>" + _MARKS + r")[ \t]+(?=[^\s\[a-z])"
    r"|(?P<m2>" + _MARKS + r")[ \t]*\n+"
)
BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,2}[.)])\s+")


def split_sentences(buffer: str, *, final: bool = False) -> tuple[list[tuple[str, str]], str]:
    """Complete ``(sentence, separator)`` pairs at the start of ``buffer``, and the rest.

    >>> split_sentences("Eén [1]. Twee. [2] Dr")
    ([('Eén [1].', ' '), ('Twee. [2]', ' ')], 'Dr')
    >>> split_sentences("- a [1]\\n- b", final=True)
    ([('- a [1]', '\\n'), ('- b', '')], '')
    """
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _BOUNDARY.finditer(buffer):
        marks = m.group("m1") if m.group("m1") is not None else m.group("m2") or ""
        end = m.start() + len(marks)
        out.append((buffer[pos:end], buffer[end : m.end()]))
        pos = m.end()
    rest = buffer[pos:]
    if final and rest.strip():
        out.append((rest, ""))
        rest = ""
    return out, rest


def parse_markers(sentence: str) -> tuple[str, list[int]]:
    """The sentence without its ``[n]`` markers, and the cited numbers in order (1-based).

    >>> parse_markers("De NDS kent zes prioriteiten [1, 3][1].")
    ('De NDS kent zes prioriteiten.', [1, 3])
    """
    numbers: list[int] = []
    for m in _MARKER.finditer(sentence):
        for n in re.split(r"\s*[,;]\s*", m.group(1)):
            if int(n) not in numbers:
                numbers.append(int(n))
    text = _MARKER.sub("", sentence)
    text = re.sub(r"[ \t]+([.,;:!?])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip(), numbers


def without_thinking(deltas: Iterator[str]) -> Iterator[str]:
    """Text deltas with a leading ``<think>...</think>`` block (reasoning models) removed.

    >>> "".join(without_thinking(iter(["<thi", "nk>hmm</th", "ink>\\nJa [1].", " Ok"])))
    'Ja [1]. Ok'
    """
    head = ""
    for delta in deltas:
        head += delta
        stripped = head.lstrip()
        if "<think>".startswith(stripped):  # could still become "<think>"
            continue
        if not stripped.startswith("<think>"):
            yield head
            break
        if "</think>" in head:
            rest = head.split("</think>", 1)[1].lstrip()
            if rest:
                yield rest
            break
    else:
        if head.strip() and not head.lstrip().startswith("<think>"):
            yield head
        return
    yield from deltas
