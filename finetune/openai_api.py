"""What the teacher and the judge share to talk safely to an OpenAI-compatible server.

- :func:`redact` removes the API key, ``Authorization``/``Bearer`` values and anything
  shaped like an OpenAI key from a text before it is kept, logged or written.
- :func:`bounded_http_client` gives the ``openai`` client an HTTP client whose every
  reply is bounded in total time (not only per read: a server that drips one byte a
  second, in its headers or its body, is cut at the deadline: a timer shuts the
  request's socket down) and in size (a reply whose ``Content-Length`` is too big is
  refused before its body is read; a body that grows past the cap is cut).
- :func:`first_choice_text` reads the first choice's text from any reply, or None.
"""

from __future__ import annotations

import contextlib
import re
import socket
import sys
import threading
import time
from collections.abc import Callable

MAX_REPLY_BYTES = 1_000_000  # a chat completion of a few hundred tokens is a few kB
_KEY_SHAPED = re.compile(r"sk-[A-Za-z0-9_\-*]{6,}")
_VALUE = r"[^\s\"',;}]+"
# "Authorization: Bearer X", "'api-key': 'X'", "Bearer X": keep the name, drop X
_CREDENTIAL = re.compile(
    rf"(?i)\b(authorization|api[-_]?key|bearer|basic)(\W{{1,4}}(?:(?:bearer|basic)\s+)?){_VALUE}"
)


def redact(text: str, secret: str | None = None, limit: int = 500) -> str:
    """`text` without the key, credential headers or key-shaped tokens, cut to `limit`."""
    if secret:
        text = text.replace(secret, "[key]")
    text = _CREDENTIAL.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)
    return _KEY_SHAPED.sub("[key]", text)[:limit]


def first_choice_text(response: object) -> str | None:
    """The first choice's message text, or None when the reply does not have that shape."""
    try:
        content = response.choices[0].message.content
    except (AttributeError, IndexError, KeyError, TypeError):
        return None
    return content if isinstance(content, str) else None


class ReplyTooLarge(Exception):
    """A reply bigger than the size cap (raised inside the HTTP transport)."""


class ReplyTooSlow(Exception):
    """A reply not complete within the total time bound (raised inside the HTTP transport)."""


def _httpx_of(openai_module) -> object:
    """The httpx package the installed openai client is built on (``httpx`` or ``httpx2``)."""
    client_base = openai_module.DefaultHttpxClient.__mro__[1]
    return sys.modules[client_base.__module__.split(".")[0]]


def bounded_http_client(
    openai_module,
    total_seconds: float,
    max_bytes: int = MAX_REPLY_BYTES,
    on_request: Callable[[], None] | None = None,
):
    """An HTTP client for ``openai.OpenAI(http_client=...)`` bounding every reply.

    `total_seconds` bounds one HTTP request from sending to the last byte of the body;
    `max_bytes` bounds the body. `on_request` is called once per request sent (retries
    included), for counting.
    """
    httpx = _httpx_of(openai_module)

    too_slow = f"the reply took longer than {total_seconds:g} s"

    class BoundedStream(httpx.SyncByteStream):
        def __init__(self, inner, watchdog: _Watchdog) -> None:
            self.inner, self.watchdog = inner, watchdog

        def __iter__(self):
            size = 0
            with self.watchdog.explained():
                for chunk in self.inner:
                    size += len(chunk)
                    if size > max_bytes:
                        raise ReplyTooLarge(f"the reply is larger than {max_bytes} bytes")
                    if self.watchdog.expired():
                        raise ReplyTooSlow(too_slow)
                    yield chunk

        def close(self) -> None:
            self.watchdog.cancel()
            self.inner.close()

    class BoundedTransport(httpx.HTTPTransport):
        def handle_request(self, request):
            if on_request is not None:
                on_request()
            watchdog = _Watchdog(total_seconds, too_slow)
            request.extensions["trace"] = watchdog.trace
            with watchdog.explained():
                response = super().handle_request(request)
            length = response.headers.get("content-length", "")
            if length.isdigit() and int(length) > max_bytes:
                watchdog.cancel()
                response.stream.close()
                raise ReplyTooLarge(f"the reply announces {length} bytes (cap {max_bytes})")
            response.stream = BoundedStream(response.stream, watchdog)
            return response

    timeout = httpx.Timeout(total_seconds, connect=min(10.0, total_seconds))
    # No kept-alive connections: every request opens its own socket, which the watchdog
    # can shut down. Identity encoding: the size cap then bounds the decoded reply too.
    limits = httpx.Limits(max_connections=32, max_keepalive_connections=0)
    return openai_module.DefaultHttpxClient(
        transport=BoundedTransport(limits=limits),
        timeout=timeout,
        headers={"Accept-Encoding": "identity"},
    )


class _Watchdog:
    """Shuts a request's socket down at its deadline, which wakes any read blocked on it."""

    def __init__(self, seconds: float, message: str) -> None:
        self.deadline = time.monotonic() + seconds
        self.message = message
        self.sockets: list[socket.socket] = []
        self.timer = threading.Timer(seconds, self._shut_down)
        self.timer.daemon = True
        self.timer.start()

    def trace(self, event: str, info: dict) -> None:
        """httpcore's trace hook: note the socket of each new connection."""
        if event == "connection.connect_tcp.complete":
            sock = info["return_value"].get_extra_info("socket")
            if sock is not None:
                self.sockets.append(sock)

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def cancel(self) -> None:
        self.timer.cancel()

    def _shut_down(self) -> None:
        for sock in self.sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed
                pass

    @contextlib.contextmanager
    def explained(self):
        """Report a read that failed because the watchdog fired as too slow, not as an I/O error."""
        try:
            yield
        except ReplyTooLarge:
            self.cancel()
            raise
        except Exception:
            self.cancel()
            if self.expired():
                raise ReplyTooSlow(self.message) from None
            raise
