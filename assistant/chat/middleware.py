"""ASGI middleware of the chat's web server (:func:`assistant.chat.app.launch` adds it when a
login is configured)."""

from __future__ import annotations

import re
from typing import Any


class HideApiInfoBeforeLogin:
    """ASGI middleware: Gradio embeds the API description (endpoints, parameters, the list of
    publishers) in every HTML page, the login page included. With a login, a stranger must get
    the login form and nothing else, so on that page the description is emptied."""

    _INFO = re.compile(rb"window\.gradio_api_info = .*?;?</script>", re.S)

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body: list[bytes] = []

        async def capture(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if not headers.get(b"content-type", b"").startswith(b"text/html"):
                    await send(message)  # files, SSE, JSON: passed through untouched
                    return
                start.update(message)
                return
            if not start or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return
            data = b"".join(body)
            if b'"auth_required":true' in data or b'"auth_required": true' in data:
                data = self._INFO.sub(b"window.gradio_api_info = {};</script>", data)
            kept = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
            kept.append((b"content-length", str(len(data)).encode()))
            await send({**start, "headers": kept})
            await send({"type": "http.response.body", "body": data, "more_body": False})

        await self.app(scope, receive, capture)
