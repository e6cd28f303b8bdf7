"""Delivering composed messages: to a folder of .eml files or to an SMTP server.

The transport is chosen by one URL (MAIL_URL):

    file:///abs/path  file://relative/path      one .eml file per message
    smtp://[user:pass@]host[:port][?starttls=1] port 25, or 587 with STARTTLS
    smtps://[user:pass@]host[:port]             implicit TLS, port 465

A user name and password go only over TLS (smtps:// or starttls=1), unless the
host is this machine.

A failed delivery raises DeliveryError, whose text goes into the outbox row
and the logs: it names what went wrong and never an address, the password or
any of the message.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import ipaddress
import os
import re
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import Enum
from pathlib import Path
from typing import Protocol
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

_DEFAULT_PORTS = {"plain": 25, "starttls": 587, "tls": 465}
_TRUE, _FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})
_UNSAFE_FILE_CHARACTERS = re.compile(r"[^A-Za-z0-9._@+-]+")
_ENHANCED_STATUS = re.compile(rb"[245]\.\d{1,3}\.\d{1,3}")


class DeliveryError(Exception):
    """A message could not be delivered; str() is a short reason that is safe to log.
    `permanent` when trying again cannot help (the address does not exist)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


# RCPT answers that name the address itself as the problem (RFC 5321 4.2.3): no such
# mailbox (550), not local (551), mailbox name not allowed (553). Others (a full
# mailbox, 552; a policy refusal, 554) may pass, and are retried.
BAD_ADDRESS_CODES = frozenset({550, 551, 553})


class Transport(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Deliver the message or raise DeliveryError."""


def transport_from_url(url: str, *, timeout: float = 30.0) -> Transport:
    """The transport a MAIL_URL names (see the module docstring for the forms).

    Raises ValueError for a URL that names no supported transport; the error
    never repeats the URL, which may hold a password.
    """
    parts = urlsplit(url)
    if parts.scheme == "file":
        return _file_transport(parts)
    if parts.scheme in ("smtp", "smtps"):
        return _smtp_transport(parts, timeout)
    raise ValueError("MAIL_URL must start with file://, smtp:// or smtps://")


@dataclass(frozen=True, slots=True)
class FileTransport:
    """Writes each message to `folder` as <Message-ID>.eml.

    The name derives from the Message-ID alone, so a retried delivery
    replaces the earlier file instead of adding a second one. The file is
    written to a hidden temporary name and renamed into place, so a reader
    never sees half a message.
    """

    folder: Path

    def send(self, message: EmailMessage) -> None:
        target = self.folder / _file_name(message)
        data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(descriptor, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, target)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(temporary)
                raise
        except OSError as error:
            raise DeliveryError(f"could not write mail file ({_errno_name(error)})") from None


class Security(Enum):
    PLAIN = "plain"
    STARTTLS = "starttls"
    TLS = "tls"


@dataclass(frozen=True, slots=True)
class SmtpTransport:
    """Sends each message over a fresh SMTP connection.

    Delivery is all or nothing: if the server refuses any recipient, the
    transaction is abandoned before DATA, so nobody gets the message and the
    caller's retry of the whole message cannot reach an accepted recipient a
    second time. TLS certificates are verified against the system's trust
    store; there is no switch to turn that off.
    """

    host: str
    port: int
    security: Security
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0

    def send(self, message: EmailMessage) -> None:
        try:
            session = self._open()
            try:
                session.send_message(message)
            finally:
                _quit(session)
        except (smtplib.SMTPException, OSError) as error:
            # `from None`: the original exception names recipients or echoes
            # what the server said about them, and tracebacks end up in logs.
            raise DeliveryError(_reason(error), permanent=_bad_address(error)) from None

    def _open(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        session: smtplib.SMTP
        if self.security is Security.TLS:
            session = _AllOrNothingSMTPSSL(self.host, self.port, timeout=self.timeout,
                                           context=context)
        else:
            session = _AllOrNothingSMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security is Security.STARTTLS:
                session.ehlo()
                if not session.has_extn("starttls"):
                    raise DeliveryError("SMTP server does not offer STARTTLS")
                session.starttls(context=context)
            if self.username:
                session.ehlo()
                if not session.has_extn("auth"):
                    raise DeliveryError("SMTP server does not offer AUTH")
                session.login(self.username, self.password)
        except BaseException:
            session.close()
            raise
        return session


class _AllOrNothingSMTP(smtplib.SMTP):
    """Turns the first refused recipient into an exception before DATA is sent.

    smtplib sends the message when at least one recipient was accepted;
    raising from rcpt() stops `sendmail` between RCPT and DATA, and QUIT then
    discards the open transaction on the server.
    """

    def rcpt(self, recip: str, options: Sequence[str] = ()) -> tuple[int, bytes]:
        code, response = super().rcpt(recip, options)
        if code not in (250, 251):
            raise smtplib.SMTPRecipientsRefused({recip: (code, response)})
        return code, response


class _AllOrNothingSMTPSSL(_AllOrNothingSMTP, smtplib.SMTP_SSL):
    pass


def _quit(session: smtplib.SMTP) -> None:
    """End the session; once DATA was accepted, a failing goodbye changes nothing."""
    try:
        session.quit()
    except (smtplib.SMTPException, OSError):
        session.close()


def _bad_address(error: BaseException) -> bool:
    """True when the server refused a recipient because the address itself is wrong."""
    if not isinstance(error, smtplib.SMTPRecipientsRefused) or not error.recipients:
        return False
    return all(code in BAD_ADDRESS_CODES for code, _ in error.recipients.values())


def _reason(error: BaseException) -> str:
    """A short description of an SMTP failure: codes and kinds, never addresses or text."""
    match error:
        case smtplib.SMTPRecipientsRefused(recipients=refused) if refused:
            code, response = next(iter(refused.values()))
            return _coded(code, response, "recipient rejected")
        case smtplib.SMTPRecipientsRefused():
            return "SMTP recipient rejected"
        case smtplib.SMTPSenderRefused():
            return _coded(error.smtp_code, error.smtp_error, "sender rejected")
        case smtplib.SMTPDataError():
            return _coded(error.smtp_code, error.smtp_error, "message rejected")
        case smtplib.SMTPAuthenticationError():
            return _coded(error.smtp_code, error.smtp_error, "authentication failed")
        case smtplib.SMTPConnectError():
            return _coded(error.smtp_code, error.smtp_error, "greeting refused")
        case smtplib.SMTPHeloError():
            return _coded(error.smtp_code, error.smtp_error, "EHLO refused")
        case smtplib.SMTPResponseException():
            return _coded(error.smtp_code, error.smtp_error, "error")
        case smtplib.SMTPServerDisconnected() if isinstance(error.__context__, TimeoutError):
            # smtplib reports a read that timed out as a closed connection.
            return "SMTP timeout"
        case smtplib.SMTPServerDisconnected():
            return "SMTP server closed the connection"
        case smtplib.SMTPNotSupportedError():
            # The one feature send_message() insists on: non-ASCII addresses.
            return "SMTP server does not support SMTPUTF8"
        case smtplib.SMTPException():
            return "SMTP error"
        case ssl.SSLCertVerificationError():
            return "SMTP TLS certificate not trusted"
        case ssl.SSLError():
            return "SMTP TLS handshake failed"
        case ConnectionRefusedError():
            return "SMTP connection refused"
        case TimeoutError():
            return "SMTP timeout"
        case socket.gaierror():
            return "SMTP host not found"
        case _:
            return f"SMTP connection failed ({_errno_name(error)})"


def _coded(code: int, response: bytes | str, what: str) -> str:
    raw = response.encode("utf-8", "replace") if isinstance(response, str) else response
    enhanced = _ENHANCED_STATUS.match(raw or b"")
    status = f"{code} {enhanced.group().decode()}" if enhanced else f"{code}"
    return f"SMTP {status} {what}"


def _errno_name(error: BaseException) -> str:
    number = getattr(error, "errno", None)
    return errno.errorcode.get(number, type(error).__name__) if number else type(error).__name__


def _file_name(message: EmailMessage) -> str:
    message_id = message["Message-ID"]
    if not message_id:
        raise ValueError("the file transport names files after the Message-ID; it has none")
    readable = _UNSAFE_FILE_CHARACTERS.sub("_", str(message_id).strip().strip("<>"))[:120]
    # Sanitising can map two IDs to one name; the hash of the exact ID cannot.
    digest = hashlib.sha256(str(message_id).encode()).hexdigest()[:10]
    return f"{readable.lstrip('.')}.{digest}.eml"


def without_password(url: str) -> str:
    """MAIL_URL fit to print: its password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return parts._replace(netloc=f"{user}:***@{hostport}").geturl()


def _is_this_machine(host: str) -> bool:
    """Loopback: a password sent in the clear there never crosses a network."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _file_transport(parts: SplitResult) -> FileTransport:
    if parts.query or parts.fragment:
        raise ValueError("a file:// MAIL_URL takes no query or fragment")
    # file://instance/mail is relative (the netloc is the first path segment);
    # file:///srv/mail is absolute. Resolved now, so a later chdir moves nothing.
    path = unquote(parts.netloc + parts.path)
    if not path:
        raise ValueError("a file:// MAIL_URL needs a folder")
    return FileTransport(Path(path).absolute())


def _smtp_transport(parts: SplitResult, timeout: float) -> SmtpTransport:
    try:
        port = parts.port
    except ValueError:
        # urllib's message quotes the text after the colon: part of a password
        # when its "/" was not percent-encoded.
        raise ValueError("the port in MAIL_URL is not a number (percent-encode "
                         "@ : / in the user name and password)") from None
    if not parts.hostname:
        raise ValueError(f"an {parts.scheme}:// MAIL_URL needs a host")
    if parts.path not in ("", "/") or parts.fragment:
        raise ValueError(f"an {parts.scheme}:// MAIL_URL takes no path or fragment")
    security = Security.TLS if parts.scheme == "smtps" else Security.PLAIN
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key != "starttls" or parts.scheme == "smtps":
            raise ValueError(f"unknown {parts.scheme}:// MAIL_URL option {key!r} "
                             "(smtp:// knows starttls=1)")
        if value.lower() in _TRUE:
            security = Security.STARTTLS
        elif value.lower() not in _FALSE:
            raise ValueError("starttls in MAIL_URL must be 1 or 0")
    if parts.password is not None and not parts.username:
        raise ValueError("MAIL_URL has a password but no user name")
    if parts.username and security is Security.PLAIN and not _is_this_machine(parts.hostname):
        raise ValueError("MAIL_URL would send the password unencrypted to another machine: "
                         "use smtps:// or add ?starttls=1")
    return SmtpTransport(
        host=parts.hostname,
        port=port or _DEFAULT_PORTS[security.value],
        security=security,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        timeout=timeout,
    )
