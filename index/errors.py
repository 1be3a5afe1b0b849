"""A small error hierarchy: every failure an official can meet has a class and a clear message.

Messages are written for the person at the keyboard: what went wrong and what to do next.
"""

from __future__ import annotations


class NDSError(Exception):
    """Base of every error nds-assistant raises on purpose."""


class ConfigError(NDSError):
    """A setting is missing or invalid."""


class LoadError(NDSError):
    """A source file could not be read; ``reason`` says why in one line."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexMismatchError(NDSError):
    """The index on disk was built with another embedder, dimension, chunking or schema."""


class IndexNotFoundError(NDSError):
    """No index exists yet at the configured location."""


class IndexUnavailableError(NDSError):
    """The index (e.g. a Chroma server) cannot be reached right now."""


class IngestLockedError(NDSError):
    """Another ingest holds the write lock."""


class EmbedderUnavailableError(NDSError):
    """An optional embedder backend is not installed."""


class EmbeddingServerError(EmbedderUnavailableError):
    """A remote embedding endpoint cannot be reached, timed out, or answered an HTTP error."""


class EmbeddingResponseError(NDSError):
    """A remote embedding endpoint answered, but not with the vectors that were asked for."""


class EmbeddingDimensionError(EmbeddingResponseError):
    """A remote embedding endpoint returned vectors of another size than expected."""
