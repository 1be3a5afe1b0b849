"""A small, real OpenAI-compatible HTTP server for tests (stdlib only), with scripted replies.

It speaks enough of the OpenAI API for ``openai`` / llama-index ``OpenAILike`` clients:

* ``GET  /v1/models``
* ``POST /v1/chat/completions`` with ``"stream": false`` (one JSON completion) or
  ``"stream": true`` (server-sent events ``data: {chunk}\\n\\n`` ... ``data: [DONE]\\n\\n``).

What it answers is scripted: :meth:`OpenAIServer.script` queues replies (used in order), or
``responder`` is a function of the request's messages. A reply is a string, or an
:class:`HTTPFailure` to answer with an HTTP error. Every request body is recorded in
``requests`` for assertions. It is a test double for a model server, not a model.

>>> with OpenAIServer() as server:                                      # doctest: +SKIP
...     server.script("Hallo [1].")
...     # point a client at server.base_url
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Messages = list[dict[str, Any]]


class JSONHandler(BaseHTTPRequestHandler):
    """A quiet request handler that answers in JSON (the scripted test servers' base)."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@dataclass
class HTTPFailure:
    """A scripted error reply, e.g. ``HTTPFailure(503)``."""

    status: int
    message: str = "scripted failure"


Reply = str | HTTPFailure
Responder = Callable[[Messages], Reply]


def message_text(message: dict[str, Any]) -> str:
    """A chat message's text, whether ``content`` is a string or a list of parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


class OpenAIServer:
    """Serves scripted completions on 127.0.0.1 and a free port, in a background thread."""

    def __init__(self, model: str = "scripted-test-model", chunk_chars: int = 5) -> None:
        self.model = model
        self.chunk_chars = chunk_chars  # streamed in pieces this long (cuts through markers)
        self.requests: list[dict[str, Any]] = []
        self.replies: deque[Reply] = deque()
        self.responder: Responder | None = None
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self.host, self.port = (
            str(self._httpd.server_address[0]),
            int(self._httpd.server_address[1]),
        )
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._running = False

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> OpenAIServer:
        self._thread.start()
        self._running = True
        return self

    def stop(self) -> None:
        """Shut down and close the socket (afterwards connections are refused); idempotent."""
        if self._running:
            self._httpd.shutdown()
            self._running = False
        self._httpd.server_close()

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- scripting ---------------------------------------------------------------------------
    def script(self, *replies: Reply) -> None:
        """Queue replies, used one per chat request, in order."""
        with self._lock:
            self.replies.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self.replies.clear()
            self.requests.clear()
            self.responder = None

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r.get("_path", "").endswith("/chat/completions")]

    def _reply_for(self, messages: Messages) -> Reply:
        with self._lock:
            if self.replies:
                return self.replies.popleft()
        if self.responder is not None:
            return self.responder(messages)
        return HTTPFailure(500, "no scripted reply left")

    # -- HTTP --------------------------------------------------------------------------------
    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(JSONHandler):
            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    model = {"id": server.model, "object": "model", "created": 0, "owned_by": "t"}
                    self._json(200, {"object": "list", "data": [model]})
                else:
                    self._json(404, {"error": {"message": f"no route {self.path}"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except json.JSONDecodeError:
                    self._json(400, {"error": {"message": "invalid JSON"}})
                    return
                body["_path"] = self.path
                with server._lock:
                    server.requests.append(body)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._json(404, {"error": {"message": f"no route {self.path}"}})
                    return
                reply = server._reply_for(list(body.get("messages") or []))
                if isinstance(reply, HTTPFailure):
                    self._json(reply.status, {"error": {"message": reply.message}})
                elif body.get("stream"):
                    self._stream(reply)
                else:
                    self._json(200, server._completion(reply))

            def _stream(self, text: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                n = max(1, server.chunk_chars)
                parts = [text[i : i + n] for i in range(0, len(text), n)]
                chunks = [server._chunk({"role": "assistant", "content": ""}, None)]
                chunks += [server._chunk({"content": p}, None) for p in parts]
                chunks.append(server._chunk({}, "stop"))
                for chunk in chunks:
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.flush()
                self.wfile.write(b"data: [DONE]\n\n")
                self.wfile.flush()

        return Handler

    def _completion(self, text: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-scripted",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    def _chunk(self, delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-scripted",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
