"""Fetching a therapist's calendar from the address they gave, without letting that
address reach into the practice's own network (SSRF).

The address is a secret (whoever has it reads the calendar), so nothing here puts
more than its host into an error message.

Built on the standard library (http.client, ssl, socket, ipaddress) rather than
requests or urllib3 on purpose: the address check must hold for the address the
socket actually connects to. So this module resolves the host once, checks every
address, connects to a checked one (no second lookup that DNS rebinding could
answer differently), verifies TLS against the host name all the same, and follows
redirects by hand, checking each hop again. http.client lets a small subclass do
exactly that; with requests the same needs a custom adapter and connection pool,
and a redirect or proxy setting from the environment could still slip past it.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from booking.errors import AddressRefused, CalendarUnavailable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

MAX_REDIRECTS = 3
USER_AGENT = "erstgespraech-booking (busy calendar reader)"
_REDIRECTS = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024
# IPv6 forms that carry an IPv4 address a gateway may forward to.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class FetchPolicy:
    """How calendars are fetched: limits, and which private hosts an operator allowed."""

    timeout: float  # seconds for one whole fetch, redirects included
    max_bytes: int
    allowed_hosts: frozenset[str] = frozenset()  # host names that may resolve anywhere
    allowed_networks: tuple[IPNetwork, ...] = ()  # addresses that may be private
    tls: ssl.SSLContext | None = field(default=None, repr=False)  # None: the system's CAs

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FetchPolicy:
        return cls.allowing(config["BUSY_ALLOWED_HOSTS"],
                            timeout=float(config["BUSY_FETCH_TIMEOUT_SECONDS"]),
                            max_bytes=int(config["BUSY_MAX_BYTES"]))

    @classmethod
    def allowing(cls, entries: Iterable[str], **limits: Any) -> FetchPolicy:
        """A policy whose allowlist holds `entries`: IP addresses and CIDR ranges
        (matched against resolved addresses) or host names (matched by name)."""
        hosts, networks = set(), []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(_host_key(entry))
        return cls(allowed_hosts=frozenset(hosts), allowed_networks=tuple(networks), **limits)

    def allowlists(self, host: str) -> bool:
        """Whether the operator named this host: by name, or as an address in an allowed
        range (a name is not resolved for this)."""
        key = _host_key(host)
        if key in self.allowed_hosts:
            return True
        try:
            address = ipaddress.ip_address(key)
        except ValueError:
            return False
        return any(address in network for network in self.allowed_networks)


@dataclass(frozen=True)
class Fetched:
    """A calendar as the server sent it; `body` is None when it was not modified."""

    body: bytes | None
    etag: str
    last_modified: str

    @property
    def not_modified(self) -> bool:
        return self.body is None


def resolve_host(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def normalise(url: str) -> str:
    """The address as it will be fetched: `webcal://` read as https://.

    Raises AddressRefused for other schemes, a missing host, a bad port, or
    credentials in the address (sent to every hop of a redirect, they would leak).
    """
    url = url.strip()
    if url[:9].lower() == "webcal://":
        url = "https://" + url[9:]
    parts = _split(url)
    return parts.geturl()


def host_of(url: str) -> str:
    """The host of a stored address: all of it that may be shown or logged."""
    try:
        return urlsplit(url).hostname or "?"
    except ValueError:
        return "?"


def check_address(url: str, policy: FetchPolicy, resolve: Resolver = resolve_host) -> str:
    """The normalised address if this policy lets it be fetched (it resolves to
    public addresses, or is allowlisted); AddressRefused or CalendarUnavailable if not."""
    url = normalise(url)
    parts = _split(url)
    _checked_addresses(parts.hostname, _port(parts), policy, resolve)
    return url


def fetch(url: str, *, policy: FetchPolicy, etag: str = "", last_modified: str = "",
          resolve: Resolver = resolve_host) -> Fetched:
    """GET the calendar at `url`, conditionally when validators from an earlier
    fetch are given, following up to MAX_REDIRECTS redirects.

    Every hop is checked like the first. The body is read in chunks and the fetch
    stops past `policy.max_bytes`; the whole exchange ends by `policy.timeout`.
    Raises AddressRefused for a refused hop and CalendarUnavailable for anything
    else that went wrong (both name only the host).
    """
    deadline = time.monotonic() + policy.timeout
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    url = normalise(url)
    for hop in range(MAX_REDIRECTS + 1):
        parts = _split(url)
        host = parts.hostname
        try:
            addresses = _checked_addresses(host, _port(parts), policy, resolve)
        except AddressRefused as refused:
            if hop == 0:
                raise
            raise AddressRefused(f"redirected to a refused address: {refused}",
                                 "redirect_refused", host=host) from refused
        exchange = _Exchange(parts, addresses, deadline, policy)
        try:
            status, response = exchange.send(headers)
            if status in _REDIRECTS:
                url = _redirect_target(url, response.getheader("Location"), host, status)
                continue
            if status == 304 and (etag or last_modified):
                return Fetched(None, etag, last_modified)
            if status != 200:
                raise CalendarUnavailable(f"HTTP {status} from {host}", "http_status",
                                          host=host, status=status)
            body = exchange.read_body(response, policy.max_bytes)
            return Fetched(body, _validator(response.getheader("ETag"), 255),
                           _validator(response.getheader("Last-Modified"), 64))
        finally:
            exchange.close()
    raise CalendarUnavailable(f"more than {MAX_REDIRECTS} redirects from {host}",
                              "redirects", host=host)


def post(url: str, body: bytes, headers: Mapping[str, str], *, policy: FetchPolicy,
         resolve: Resolver = resolve_host) -> int:
    """POST `body` to `url` through the same guard as a calendar fetch (checked and
    pinned addresses, TLS verified, the whole exchange ended by `policy.timeout`);
    the response status. Webhooks use it. Redirects are answered, not followed: a
    receiver that moved must be re-registered, and a POST is not something to replay
    at an address the receiver names. Raises AddressRefused or CalendarUnavailable
    (naming the host only) when nothing was delivered."""
    deadline = time.monotonic() + policy.timeout
    parts = _split(normalise(url))
    addresses = _checked_addresses(parts.hostname, _port(parts), policy, resolve)
    exchange = _Exchange(parts, addresses, deadline, policy)
    try:
        status, response = exchange.send({"User-Agent": USER_AGENT, **headers}, method="POST",
                                          body=body)
        exchange.read_body(response, policy.max_bytes)  # the receiver's answer, unused
        return status
    finally:
        exchange.close()


def is_public(address: IPAddress) -> bool:
    """True for an address on the public internet. False for loopback, private
    (RFC 1918, fc00::/7), link-local (cloud metadata included), unspecified,
    multicast, reserved and shared (CGNAT) addresses, also when an IPv6 address
    wraps an IPv4 one that is not public."""
    embedded = _embedded_ipv4(address)
    if embedded is not None and not is_public(embedded):
        return False
    return address.is_global and not (
        address.is_loopback or address.is_private or address.is_link_local
        or address.is_unspecified or address.is_multicast or address.is_reserved
    )


class _Exchange:
    """One request and response on a connection to an address checked beforehand."""

    def __init__(self, parts, addresses: list[str], deadline: float, policy: FetchPolicy):
        self.host = parts.hostname
        self.target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self.connection = _PinnedConnection(
            parts.hostname, _port(parts), addresses=addresses, deadline=deadline,
            tls=(policy.tls or _system_tls()) if parts.scheme == "https" else None)
        self.response: http.client.HTTPResponse | None = None

    def send(self, headers: Mapping[str, str], *, method: str = "GET",
             body: bytes | None = None) -> tuple[int, http.client.HTTPResponse]:
        try:
            self.connection.request(method, self.target, body=body, headers=dict(headers))
            self.response = self.connection.getresponse()
        except (OSError, http.client.HTTPException) as error:
            raise self._failure(error) from error
        return self.response.status, self.response

    def read_body(self, response: http.client.HTTPResponse, max_bytes: int) -> bytes:
        chunks, size = [], 0
        try:
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise self._too_large(max_bytes)
                chunks.append(chunk)
        except (OSError, http.client.HTTPException) as error:
            raise self._failure(error) from error
        if self.connection.timed_out:
            # The watchdog's shutdown looks like the end of a body that runs until
            # the connection closes: what was read is cut off, not complete.
            raise CalendarUnavailable(f"could not read from {self.host}: timed out",
                                      "unreadable", host=self.host)
        return b"".join(chunks)

    def close(self) -> None:
        if self.response is not None:
            self.response.close()
        self.connection.close()
        self.connection.disarm()

    def _too_large(self, max_bytes: int) -> CalendarUnavailable:
        return CalendarUnavailable(
            f"the calendar from {self.host} is larger than {max_bytes // 1024} KiB",
            "too_large", host=self.host, limit=max_bytes // 1024)

    def _failure(self, error: Exception) -> CalendarUnavailable:
        reason = "timed out" if self.connection.timed_out else _describe(error)
        return CalendarUnavailable(f"could not read from {self.host}: {reason}",
                                   "unreadable", host=self.host)


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to addresses checked beforehand, never to whatever a
    second lookup of the host name would say. TLS is still verified against the
    host name (and sent as SNI). A watchdog shuts the socket at the deadline, so
    neither a slow handshake nor trickled headers or body can hold the worker."""

    def __init__(self, host: str, port: int, *, addresses: list[str], deadline: float,
                 tls: ssl.SSLContext | None):
        super().__init__(host, port, timeout=_remaining(deadline))
        self._addresses = addresses
        self._deadline = deadline
        self._tls = tls
        self._watchdog: threading.Timer | None = None
        self.timed_out = False

    def connect(self) -> None:
        sock = self._connect_any()
        self._watchdog = threading.Timer(_remaining(self._deadline), self._expire, (sock,))
        self._watchdog.daemon = True
        self._watchdog.start()
        if self._tls is not None:
            try:
                sock = self._tls.wrap_socket(sock, server_hostname=self.host)
            except BaseException:
                sock.close()
                raise
        self.sock = sock

    def disarm(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()

    def _connect_any(self) -> socket.socket:
        error: OSError = TimeoutError("no address left before the deadline")
        for address in self._addresses:
            try:
                return socket.create_connection((address, self.port),
                                                timeout=_remaining(self._deadline))
            except OSError as failed:
                error = failed
        raise error

    def _expire(self, sock: socket.socket) -> None:
        self.timed_out = True
        # OSError: the socket is closed already, the exchange ended on its own.
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _split(url: str):
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError for a malformed port
    except ValueError as error:
        raise AddressRefused("the calendar address is malformed", "malformed") from error
    if parts.scheme.lower() not in ("http", "https"):
        raise AddressRefused(
            f"only http, https and webcal calendar addresses can be read, not "
            f"{parts.scheme or 'an address without a scheme'}", "scheme")
    if not parts.hostname:
        raise AddressRefused("the calendar address has no host", "malformed")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(f"calendar addresses with a user name or password are not "
                             f"supported ({parts.hostname})", "credentials")
    return parts


def _port(parts) -> int:
    return parts.port or (443 if parts.scheme.lower() == "https" else 80)


def _checked_addresses(host: str, port: int, policy: FetchPolicy,
                       resolve: Resolver) -> list[str]:
    """The addresses of `host` if every one of them may be fetched from.

    All must pass, not one: otherwise a name with one public and one private
    address would reach the private one whenever the public one fails.
    """
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as error:
        raise CalendarUnavailable(f"the calendar host {host} could not be found",
                                  "not_found", host=host) from error
    if not addresses:
        raise CalendarUnavailable(f"the calendar host {host} could not be found",
                                  "not_found", host=host)
    if _host_key(host) in policy.allowed_hosts:
        return addresses
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not is_public(address) and not any(address in n for n in policy.allowed_networks):
            raise AddressRefused(f"{host} is not on the public internet ({address}); "
                                 "only an operator's BUSY_ALLOWED_HOSTS can allow it",
                                 "not_public", host=host)
    return addresses


def _redirect_target(url: str, location: str | None, host: str, status: int) -> str:
    if not location:
        raise CalendarUnavailable(f"HTTP {status} without a Location from {host}",
                                  "redirects", host=host)
    try:
        return _split(urljoin(url, location.strip())).geturl()
    except AddressRefused as refused:
        raise AddressRefused(f"redirected to a refused address: {refused}",
                             "redirect_refused", host=host) from refused


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if address.version == 4:
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _host_key(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def _validator(value: str | None, limit: int) -> str:
    """An ETag or Last-Modified worth sending back: a cut-off one would never match."""
    return value if value and len(value) <= limit else ""


@functools.cache
def _system_tls() -> ssl.SSLContext:
    # Loading the CA bundle costs milliseconds; a worker round should not pay it.
    return ssl.create_default_context()


def _remaining(deadline: float) -> float:
    # Never zero: a zero timeout would make the socket non-blocking, not expired.
    return max(deadline - time.monotonic(), 0.001)


def _describe(error: Exception) -> str:
    """A short reason that cannot carry the address (or anything the server sent)."""
    for kind, reason in (
        (TimeoutError, "timed out"),
        (ssl.SSLCertVerificationError, "its TLS certificate is not valid for it"),
        (ssl.SSLError, "TLS failed"),
        (ConnectionRefusedError, "connection refused"),
        (http.client.RemoteDisconnected, "the server closed the connection"),
        (ConnectionResetError, "connection reset"),
        (http.client.IncompleteRead, "the response ended early"),
        (http.client.HTTPException, "the response is not valid HTTP"),
    ):
        if isinstance(error, kind):
            return reason
    return "network error"
