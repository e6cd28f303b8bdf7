"""A real SMTP server (aiosmtpd) on loopback, for tests of everything that sends mail."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    over_tls: bool


@dataclass
class RecordingHandler:
    """Keeps what arrives; answers 550 for the addresses in `refuse`, and the line in
    `answers` for the addresses there (e.g. "450 4.2.1 Mailbox busy")."""

    refuse: set[str] = field(default_factory=set)
    answers: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        if address in self.answers:
            return self.answers[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session: Session, envelope: Envelope) -> str:
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos),
                                      envelope.original_content,
                                      server.transport.get_extra_info("ssl_object") is not None))
        return "250 Message accepted for delivery"


@dataclass
class Authenticator:
    login: str
    password: str
    attempts: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, server, session, envelope, mechanism: str,
                 auth_data: LoginPassword) -> AuthResult:
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.attempts.append((login, password))
        # handled=False: aiosmtpd then answers 535 itself instead of leaving it to us.
        return AuthResult(success=(login, password) == (self.login, self.password),
                          handled=False)


class LoopbackController(Controller):
    """aiosmtpd's threaded server on a port the OS picks (Controller wants a fixed one)."""

    def _trigger_server(self) -> None:
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def free_port() -> int:
    """A loopback port nobody listens on (the socket is closed again)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
