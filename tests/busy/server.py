"""A real HTTP server on a loopback address that plays a calendar provider: it
answers each path as a test tells it (including badly) and records what it was asked."""

from __future__ import annotations

import contextlib
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FILES = Path(__file__).parent / "files"
PRACTICE_ICS = (FILES / "practice.ics").read_bytes()
# Shaped like Google's "secret address in iCal format": the path is the secret.
SECRET_PATH = "/calendar/ical/anna%40praxis.example/private-5ecret7oken0815/basic.ics"


@dataclass
class Reply:
    """How the server answers one path. With an ETag, a request that sends it back
    in If-None-Match gets 304, as from a real provider."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False  # no Content-Length: the size shows only while reading
    stall: bool = False  # accept the request, then answer nothing until the test ends
    trickle: bool = False  # a byte at a time, 20 a second, until the connection closes


@dataclass
class Request:
    path: str
    headers: Message


class CalendarServer:
    """Serves the replies it is given on `host` (a loopback address), on a free port."""

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None):
        self.replies: dict[str, Reply] = {}
        self.requests: list[Request] = []
        self.received = threading.Event()  # set by the first request
        self.released = threading.Event()
        self._http = ThreadingHTTPServer((host, 0), _Handler)
        self._http.daemon_threads = True
        self._http.calendar_server = self
        if tls is not None:
            self._http.socket = tls.wrap_socket(self._http.socket, server_side=True)
        self.host, self.port = host, self._http.server_address[1]
        self.scheme = "https" if tls is not None else "http"
        # A short poll lets close() return at once instead of after half a second.
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.01,),
                                        daemon=True)
        self._thread.start()

    def url(self, path: str = SECRET_PATH, *, host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def serve(self, path: str = SECRET_PATH, reply: Reply | None = None, **fields) -> str:
        """Answer `path` with `reply` (or a Reply of `fields`) from now on; returns its URL."""
        self.replies[path] = reply or Reply(**fields)
        return self.url(path)

    def requests_for(self, path: str = SECRET_PATH) -> list[Request]:
        return [request for request in self.requests if request.path == path]

    def close(self) -> None:
        self.released.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()


@contextlib.contextmanager
def running(host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> Iterator[CalendarServer]:
    server = CalendarServer(host, tls)
    try:
        yield server
    finally:
        server.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        server: CalendarServer = self.server.calendar_server
        server.requests.append(Request(self.path, self.headers))
        server.received.set()
        reply = server.replies.get(self.path, Reply(status=404, body=b"not found"))
        self.close_connection = True
        if reply.stall:
            server.released.wait()
            return
        etag = reply.headers.get("ETag")
        if etag and self.headers.get("If-None-Match") == etag:
            self._head(304, {"ETag": etag})
            return
        if reply.trickle:
            self._head(reply.status, reply.headers)
            self._trickle(reply.body, server.released)
        elif reply.chunked:
            self._head(reply.status, {**reply.headers, "Transfer-Encoding": "chunked"})
            self._send_chunked(reply.body)
        else:
            self._head(reply.status, {**reply.headers, "Content-Length": str(len(reply.body))})
            self.wfile.write(reply.body)

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {"Connection": "close", **headers}.items():
            self.send_header(name, value)
        self.end_headers()

    def _send_chunked(self, body: bytes) -> None:
        for start in range(0, len(body), 8192):
            piece = body[start:start + 8192]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def _trickle(self, body: bytes, released: threading.Event) -> None:
        # No length and no chunks: the body ends when the connection closes.
        for start in range(len(body)):
            if released.wait(0.05):
                return
            self.wfile.write(body[start:start + 1])
            self.wfile.flush()

    def handle(self) -> None:
        # A client that gave up (a timeout, a refused size) leaves a broken pipe behind.
        with contextlib.suppress(OSError):
            super().handle()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 — the base class's name
        pass
