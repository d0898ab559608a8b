"""The gunicorn settings both web entry points share: ``python -m dashboard`` and the Procfile's web process.

One function, so that the embedded default and the Kafka deployment cannot drift apart on what protects
the server: the worker that reads request heads without a thread (``dashboard/gunicorn_worker.py``) and
gunicorn's limits on the request line and headers. Where each process listens, and how many workers and
threads it runs, stay with the entry point.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

from consumers.settings import Settings
from dashboard.gunicorn_worker import head_first_worker

LIMIT_REQUEST_LINE = 4094
"""Bytes of ``METHOD /path?query HTTP/1.1``: Dash's longest URLs are asset paths of about 100 bytes."""
LIMIT_REQUEST_FIELDS = 64
"""Header lines per request: a browser sends about 15."""
LIMIT_REQUEST_FIELD_SIZE = 8190
"""Bytes of one header line: room for a browser's cookies, nothing like a body smuggled into a header."""


def gunicorn_options(settings: Settings) -> dict[str, Any]:
    """gunicorn settings (``cfg.set`` names) that harden every web process of this product."""
    return {
        "worker_class": head_first_worker(settings.web_header_timeout_s),
        "timeout": 60,
        # gunicorn 25+ opens a control socket at one fixed path per user: every other gunicorn on the machine
        # (a second dashboard, each test's server) would take it over. Nothing here uses gunicornc.
        "control_socket_disable": True,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
    }


def bind_problem(host: str, port: int) -> str | None:
    """Why gunicorn could not listen on ``host:port``, in one line naming the variable to change; else None.

    gunicorn itself retries a busy port five times and ends with "Can't connect", which says neither
    which port nor what to do. Checked the way gunicorn binds (``SO_REUSEADDR``), then released at once.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"HOST={host} is not an address this machine can listen on; set HOST (for example 127.0.0.1)"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use; set PORT to a free port (for example PORT={port + 1})"
            if exc.errno == errno.EACCES:
                return f"port {port} needs privileges on this machine; set PORT to 1024 or above"
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"HOST={host} is not an address of this machine; set HOST (for example 127.0.0.1)"
            return f"cannot listen on {host}:{port} ({exc.strerror}); set HOST and PORT"
    return None
