"""The web server under hostile or careless clients, run for real: ``python -m dashboard`` (embedded
default) and the Procfile's web line (gunicorn with ``dashboard/gunicorn_conf.py``, against the broker).

Raw sockets, because the point is what a client that does not behave like a browser can do.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.web_server import free_port

REPO = Path(__file__).resolve().parents[2]
UNFINISHED_HEAD = b"GET /health HTTP/1.1\r\nHost: x\r\n"  # the blank line that ends a head never comes


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def connect(self, timeout: float = 10.0) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


def base_env() -> dict[str, str]:
    """The environment without any CITYOPS_* or Kafka setting of the machine running the tests."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("CITYOPS_", "KAFKA_"))}


def health_answer(port: int, timeout: float) -> tuple[int, float]:
    """Status of ``GET /health`` on a new connection and how long the answer took."""
    start = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/health")
        response = connection.getresponse()
        response.read()
        return response.status, time.monotonic() - start
    finally:
        connection.close()


def start(command: list[str], env: dict[str, str], log: Path, port: int) -> Server:
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(port, process, log)
    deadline = time.monotonic() + 90
    while True:
        try:
            health_answer(port, timeout=5)  # any answer (503 included: no data yet) means it serves
            return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(server)
                pytest.fail(f"the web server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def csrf_head(port: int) -> bytes:
    """The header lines a browser's Dash request carries after loading a page: its cookies and the CSRF token."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        response.read()
        cookies = dict(c.split(";")[0].split("=", 1) for c in response.headers.get_all("Set-Cookie") or [])
    finally:
        connection.close()
    jar = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return f"Cookie: {jar}\r\nX-CSRFToken: {cookies['_csrf_token']}\r\n".encode()


def embedded(tmp: Path, **extra: str) -> Server:
    port = free_port()
    env = {**base_env(), "PORT": str(port), "CITYOPS_USERS_DB": str(tmp / "users.sqlite"), **extra}
    return start([sys.executable, "-m", "dashboard"], env, tmp / "embedded.log", port)


def procfile_web(tmp: Path, bootstrap: str) -> Server:
    """The Procfile's ``web:`` line, run by a shell as a Procfile runner would, two workers."""
    line = next(raw for raw in (REPO / "Procfile").read_text().splitlines() if raw.startswith("web:"))
    port = free_port()
    env = {
        **base_env(),
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "CITYOPS_TOPIC_PREFIX": f"t{uuid.uuid4().hex[:8]}",
        # What is hardened here is the server, not sign-in (tests/dashboard/auth): anonymous requests are served.
        "CITYOPS_DEMO_MODE": "1",
        "CITYOPS_USERS_DB": str(tmp / "users.sqlite"),
    }
    command = ["bash", "-c", "exec " + line.removeprefix("web:").strip()]
    return start(command, env, tmp / "procfile-web.log", port)


@pytest.fixture(scope="module", params=["embedded", pytest.param("procfile", marks=pytest.mark.kafka)])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "embedded":
        running = embedded(tmp)
    else:
        running = procfile_web(tmp, request.getfixturevalue("kafka_bootstrap"))
    yield running
    stop(running)


def still_open(s: socket.socket) -> bool:
    s.setblocking(False)  # a socket with a timeout would wait for data before peeking
    try:
        return s.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True  # nothing to read and not closed
    except OSError:
        return False


def read_answer(s: socket.socket, timeout: float) -> bytes:
    """Bytes the server sends until it has sent a whole head (or closes, or ``timeout`` passes)."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    return data


def test_fifty_unfinished_request_heads_do_not_stop_health(server: Server) -> None:
    slow = []
    try:
        for _ in range(50):
            s = server.connect()
            s.sendall(UNFINISHED_HEAD)
            slow.append(s)
        time.sleep(0.5)  # let the server take them all in
        for _ in range(10):
            status, took = health_answer(server.port, timeout=5)
            assert status in (200, 503) and took < 1.0, f"/health took {took:.2f} s behind 50 unfinished heads"
        assert all(still_open(s) for s in slow)  # answered while they were still held open, not after
    finally:
        for s in slow:
            s.close()


def test_kept_alive_and_pipelined_requests_are_answered(server: Server) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    sockets = []
    try:
        for _ in range(3):  # one connection, three requests: a kept-alive connection comes back to the loop
            connection.request("GET", "/api/v1/districts")
            response = connection.getresponse()
            assert response.status == 200 and b"districts" in response.read()
            sockets.append(connection.sock)
    finally:
        connection.close()
    assert sockets[0] is sockets[1] is sockets[2]  # not reconnected: the server kept the connection
    with server.connect() as s:
        s.sendall(b"GET /api/v1/districts HTTP/1.1\r\nHost: x\r\n\r\nGET /api/v1/nope HTTP/1.1\r\nHost: x\r\n\r\n")
        stream = s.makefile("rb")
        statuses = []
        for _ in range(2):
            head = b"".join(iter(stream.readline, b"\r\n"))
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            stream.read(length)
            statuses.append(int(head.split()[1]))
        assert statuses == [200, 404]


def test_a_declared_600_mib_body_is_refused_before_it_is_read(server: Server) -> None:
    with server.connect() as s:
        s.sendall(
            b"POST /_dash-update-component HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 629145600\r\n\r\n"
        )  # and not one byte of it
        answer = read_answer(s, timeout=10)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


def test_a_chunked_body_is_cut_off_at_the_cap(server: Server) -> None:
    csrf = csrf_head(server.port)  # a request without the CSRF token is refused before its body is read at all
    with server.connect() as s:
        s.sendall(
            b"POST /_dash-update-component HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + csrf
            + b"Transfer-Encoding: chunked\r\n\r\n"
        )
        piece = b"%x\r\n%s\r\n" % (64 * 1024, b" " * 64 * 1024)
        with contextlib.suppress(OSError):  # the server may stop reading once it has answered
            for _ in range(17):  # 1 MiB + 64 KiB, and the last chunk never comes
                s.sendall(piece)
        answer = read_answer(s, timeout=10)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n", 431),
        (b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(70)) + b"\r\n", 431),
        # a head that never ends but outgrows every limit: answered at once, not after the head timeout
        (b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"a" * 8000) for i in range(70)), 431),
    ],
    ids=["request-line", "header-field", "header-count", "endless-head"],
)
def test_oversized_request_heads_are_refused(server: Server, head: bytes, status: int) -> None:
    with server.connect() as s:
        with contextlib.suppress(OSError):  # refused while still sending
            s.sendall(head)
        answer = read_answer(s, timeout=5)
    assert answer.startswith(b"HTTP/1.1 %d " % status), answer[:200]


def test_a_request_head_not_finished_in_time_is_dropped(tmp_path: Path) -> None:
    server = embedded(tmp_path, CITYOPS_WEB_HEADER_TIMEOUT_S="1")
    try:
        with server.connect() as s:
            s.sendall(UNFINISHED_HEAD)
            start_wait = time.monotonic()
            s.settimeout(10)
            assert s.recv(1024) == b""  # closed by the server
            assert time.monotonic() - start_wait < 5
    finally:
        stop(server)


def test_a_port_in_use_is_named_with_what_to_do_and_exits_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**base_env(), "PORT": str(port)}
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "dashboard"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"port {port}" in lines[0] and "set PORT" in lines[0]
    assert time.monotonic() - started < 30
