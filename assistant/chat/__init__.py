"""The web chat for officials (``nds-assistant chat``), one module per concern:

* :mod:`~assistant.chat.app`: the Gradio layout, :func:`launch` and :func:`serve`;
* :mod:`~assistant.chat.handlers`: answering and feedback (the Gradio boundary);
* :mod:`~assistant.chat.conversation`: the typed :class:`Turn` and the question's filters;
* :mod:`~assistant.chat.render`: the HTML, pure functions, everything escaped;
* :mod:`~assistant.chat.takeaway`: answers to take away (Markdown, copy, download);
* :mod:`~assistant.chat.admin`: the admins' Documenten tab;
* :mod:`~assistant.chat.auth`: the login (salted scrypt hashes);
* :mod:`~assistant.chat.middleware`: ASGI middleware;
* ``static/``: the CSS and the take-away script.

The strings are in :mod:`assistant.messages`. Only ``app``, ``handlers`` and ``admin`` import
Gradio; importing this package does not (the names below load on first use).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.chat.app import build_app, launch, serve
    from assistant.chat.handlers import ChatBackend

__all__ = ["ChatBackend", "build_app", "launch", "serve"]

_LAZY = {
    "build_app": "assistant.chat.app",
    "launch": "assistant.chat.app",
    "serve": "assistant.chat.app",
    "ChatBackend": "assistant.chat.handlers",
}


def __getattr__(name: str) -> Any:
    # Lazy, so that `import assistant.chat.render` (or .auth) does not load Gradio.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'assistant.chat' has no attribute {name!r}")
