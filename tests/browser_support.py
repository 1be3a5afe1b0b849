"""What the browser tests share: where Chromium is, how it is started, and a chat server.

The ``browser`` fixture itself lives in ``tests/conftest.py`` (one Chromium per module).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from index.settings import Settings

ROOT = Path(__file__).parents[1]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


def require(path: Path, what: str, how: str) -> None:
    """Skip when a browser-test tool is missing, except in CI, where that is a failure."""
    if path.exists():
        return
    message = f"{what} not found at {path}: {how}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class ChatServer:
    url: str
    settings: Settings
    app: Any


@contextmanager
def serve_chat(settings: Settings) -> Iterator[ChatServer]:
    """The real Gradio chat over ``settings``' index, on a free port of 127.0.0.1."""
    from assistant.chat.app import build_app, launch
    from assistant.core import Assistant
    from tests.conftest import free_port

    settings = settings.with_overrides(chat_host="127.0.0.1")
    app = build_app(Assistant(settings=settings), settings)
    url = launch(app, settings, prevent_thread_lock=True, port=free_port(), quiet=True)
    try:
        yield ChatServer(url, settings, app)
    finally:
        app.close()
