"""Metadata corrections stored beside a source file: ``<name>.<ext>.meta.yaml``.

A PDF's embedded metadata is often stale (a template's title, a person as author). An admin
corrects title, publisher and date in the chat's Documenten tab; the correction is written
here, beside the file, and :func:`index.loaders.load_file` applies it on every ingest, so
``nds-assistant ingest`` of the folder gives the same result as the chat.

>>> import tempfile
>>> doc = Path(tempfile.mkdtemp()) / "kader.pdf"
>>> _ = doc.write_bytes(b"%PDF-")
>>> write_correction(doc, title="Kader", publisher="", date="2025-05-26").name
'kader.pdf.meta.yaml'
>>> read_correction(doc)
{'title': 'Kader', 'date': '2025-05-26'}
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CORRECTION_FIELDS",
    "SIDECAR_SUFFIX",
    "is_sidecar",
    "read_correction",
    "sidecar_bytes",
    "sidecar_path",
    "validate_correction",
    "write_correction",
]

SIDECAR_SUFFIX = ".meta.yaml"
CORRECTION_FIELDS = ("title", "publisher", "date")
_MAX_LEN = 300


def sidecar_path(document: Path) -> Path:
    return document.with_name(document.name + SIDECAR_SUFFIX)


def is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SIDECAR_SUFFIX)


def validate_correction(values: dict[str, Any]) -> dict[str, str]:
    """The non-empty fields, stripped; ``ValueError`` with a reason for anything else."""
    unknown = sorted(set(values) - set(CORRECTION_FIELDS))
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(map(str, unknown))}; allowed: "
            + ", ".join(CORRECTION_FIELDS)
        )
    out: dict[str, str] = {}
    for key in CORRECTION_FIELDS:
        value = values.get(key)
        if value is None:
            continue
        if isinstance(value, dt.date):  # YAML reads 2025-05-26 as a date
            value = value.isoformat()
        if not isinstance(value, str):
            raise ValueError(f"{key} must be text, not {type(value).__name__}")
        value = " ".join(value.split())
        if not value:
            continue
        if len(value) > _MAX_LEN:
            raise ValueError(f"{key} is longer than {_MAX_LEN} characters")
        if key == "date":
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"date must be a date like 2025-05-26, not '{value}'") from None
        out[key] = value
    return out


def read_correction(document: Path) -> dict[str, str]:
    """The correction of ``document`` ({} without one); ``ValueError`` when it is malformed."""
    data = sidecar_bytes(document)
    if data is None:
        return {}
    try:
        loaded = yaml.safe_load(data.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ValueError(f"{sidecar_path(document).name} is not valid YAML: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ValueError(f"{sidecar_path(document).name} must hold 'field: value' lines")
    try:
        return validate_correction({str(k): v for k, v in loaded.items()})
    except ValueError as exc:
        raise ValueError(f"{sidecar_path(document).name}: {exc}") from None


def sidecar_bytes(document: Path) -> bytes | None:
    """The raw correction file, or None when there is none (part of the document's hash)."""
    try:
        return sidecar_path(document).read_bytes()
    except FileNotFoundError:
        return None


def write_correction(document: Path, **values: str) -> Path:
    """Write (or, with every field empty, remove) the correction of ``document``.

    Written atomically through a hidden temporary file in the same folder, which ingest skips.
    """
    clean = validate_correction(values)
    target = sidecar_path(document)
    if not clean:
        target.unlink(missing_ok=True)
        return target
    text = yaml.safe_dump(clean, allow_unicode=True, sort_keys=False)
    fd, tmp = tempfile.mkstemp(prefix=".meta-", suffix=".tmp", dir=document.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
