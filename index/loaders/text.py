"""Plain text: decoding bytes of unknown encoding, refusing binary data."""

from __future__ import annotations

import codecs

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
