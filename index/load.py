"""Compatibility: the loaders moved to :mod:`index.loaders` (one module per format, one
registry). ``from index.load import load_file, iter_source_files, ...`` keeps working."""

from __future__ import annotations

from index.loaders import (
    DEFAULT_MAX_BYTES,
    LOADERS,
    SUPPORTED_SUFFIXES,
    LoadedDocument,
    MetaValue,
    decode_text,
    iter_source_files,
    load_file,
    pdf_main_heading,
    split_front_matter,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
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
