"""A gunicorn gthread worker that reads each request head on its event loop, not on a worker thread.

Why: gunicorn's gthread hands a connection to a thread as soon as its first bytes arrive, and the thread
then blocks until the head (request line and headers) is complete. Measured with gunicorn 27.0.1 and 8
threads: eight connections that send ``GET /health HTTP/1.1\\r\\nHost: x\\r\\n`` and nothing more take
all eight threads, and ``/health`` gets no answer for as long as they stay open (the worker does not
even stop on SIGTERM until its graceful timeout). More threads only move the number an attacker needs.

Here the worker's main loop, which already polls the listening and kept-alive sockets, also collects
each head with non-blocking reads. Only a complete head goes to the thread pool, with the bytes pushed
back into gunicorn's own parser, so parsing, limits and error answers stay gunicorn's. A head that is not
complete within ``head_timeout_s`` of its first byte being awaited is dropped, and one larger than
gunicorn's header limits allow is answered 414 or 431, so a slow client costs a file descriptor (at most
``worker_connections``) for a bounded time, never a thread.

It relies on gthread internals (``enqueue_req``, ``murder_pending``, ``_cap_keepalive``, ``TConn``),
tested against the gunicorn version in requirements.txt; the server-hardening tests catch a change.
"""

from __future__ import annotations

import contextlib
import selectors
import time
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from gunicorn import http
from gunicorn.http.message import DEFAULT_MAX_HEADERFIELD_SIZE, MAX_HEADERS, MAX_REQUEST_LINE
from gunicorn.http2 import negotiation
from gunicorn.workers.gthread import ThreadWorker

_REJECT = {
    414: b"HTTP/1.1 414 URI Too Long\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    431: b"HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
}


@dataclass(slots=True)
class _Head:
    """The bytes of one request head received so far, and when the client's time to finish it runs out."""

    deadline: float
    data: bytearray = field(default_factory=bytearray)


def head_complete(data: bytes | bytearray) -> bool:
    """Whether ``data`` holds a whole request head (empty lines before the request line do not count)."""
    start = len(data) - len(bytes(data).lstrip(b"\r\n"))
    return data.find(b"\r\n\r\n", start) >= 0 or data.find(b"\n\n", start) >= 0


def head_limit(cfg: Any) -> tuple[int, int]:
    """(request line, whole head) byte limits implied by gunicorn's ``limit_request_*`` settings.

    The same arithmetic as gunicorn's parser (``gunicorn/http/message.py``), so a head this worker lets
    through is one gunicorn would also accept on size, and gunicorn answers the finer-grained errors.
    """
    line = cfg.limit_request_line
    line = MAX_REQUEST_LINE if line <= 0 or line > MAX_REQUEST_LINE else line
    fields = cfg.limit_request_fields
    fields = MAX_HEADERS if fields <= 0 or fields > MAX_HEADERS else fields
    size = cfg.limit_request_field_size if cfg.limit_request_field_size > 0 else DEFAULT_MAX_HEADERFIELD_SIZE
    return line, line + 2 + fields * (size + 2) + 4


class HeadFirstWorker(ThreadWorker):
    """gthread, except that a worker thread is taken only once a complete request head has arrived."""

    head_timeout_s: float = 10.0

    def init_process(self) -> None:
        self._heads: dict[Any, _Head] = {}  # insertion order is deadline order: one timeout for all
        self._line_limit, self._head_limit = head_limit(self.cfg)
        super().init_process()

    def _reads_heads_itself(self, conn: Any) -> bool:
        # TLS and HTTP/2 prior knowledge need the socket before any HTTP/1 bytes are read; PROXY protocol
        # puts a preamble before the head. None is used here; gthread's own path stays for them.
        return not (
            self.cfg.is_ssl
            or self.cfg.proxy_protocol != "off"
            or getattr(self.cfg, "protocol", "http") != "http"
            or negotiation.prior_knowledge_allowed(self.cfg, conn.client)
        )

    def enqueue_req(self, conn: Any) -> None:
        """Every path to the thread pool (new, kept-alive, pipelined) passes here: collect the head first."""
        if not self._reads_heads_itself(conn) or getattr(conn, "is_http2", False):
            super().enqueue_req(conn)
            return
        buffered = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        head = _Head(time.monotonic() + self.head_timeout_s, bytearray(buffered))
        if head_complete(head.data):
            self._dispatch(conn, head)
            return
        conn.sock.setblocking(False)
        self._heads[conn] = head
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_head_readable, conn))

    def _on_head_readable(self, conn: Any, _sock: Any) -> None:
        head = self._heads[conn]
        try:
            chunk = conn.sock.recv(min(65536, self._head_limit + 1 - len(head.data)))
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:  # the client closed or reset the connection before finishing its head
            self._forget(conn)
            self._close(conn)
            return
        head.data += chunk
        if head_complete(head.data):
            self._forget(conn)
            self._dispatch(conn, head)
        elif len(head.data) > self._head_limit:
            self._forget(conn)
            line_done = b"\n" in bytes(head.data).lstrip(b"\r\n")
            self._reject(conn, 431 if line_done or len(head.data) <= self._line_limit else 414)

    def _dispatch(self, conn: Any, head: _Head) -> None:
        if conn.parser is None:
            conn.parser = http.get_parser(self.cfg, conn.sock, conn.client)
        conn.parser.unreader.unread(bytes(head.data))
        conn.data_ready = True  # gthread must not wait for more bytes before parsing
        super().enqueue_req(conn)

    def _forget(self, conn: Any) -> None:
        del self._heads[conn]
        with contextlib.suppress(KeyError, ValueError, OSError):  # already gone with its socket
            self.poller.unregister(conn.sock)

    def _close(self, conn: Any) -> None:
        self.nr_conns -= 1
        conn.close()

    def _reject(self, conn: Any, status: int) -> None:
        with contextlib.suppress(OSError):  # the client is gone; nothing to tell it
            conn.sock.send(_REJECT[status])  # non-blocking: a short answer fits the send buffer, or is lost
        self._close(conn)

    def murder_pending(self) -> None:
        """gunicorn's pending-connection sweep, plus heads whose time ran out (checked about once a second)."""
        super().murder_pending()
        now = time.monotonic()
        while self._heads:
            conn, head = next(iter(self._heads.items()))
            if head.deadline > now:
                break
            self._forget(conn)
            self._close(conn)

    def _cap_keepalive(self, deadline: float) -> None:
        """On shutdown, a client in the middle of its head gets as long as a kept-alive one, not more."""
        super()._cap_keepalive(deadline)
        for head in self._heads.values():
            head.deadline = min(head.deadline, deadline)


def head_first_worker(head_timeout_s: float) -> type[HeadFirstWorker]:
    """The worker class with this head timeout (gunicorn takes a class as ``worker_class``)."""
    return type("HeadFirstWorker", (HeadFirstWorker,), {"head_timeout_s": head_timeout_s})
