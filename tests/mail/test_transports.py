"""Transports: .eml files in a folder, and SMTP against a real aiosmtpd server on loopback."""

from __future__ import annotations

import email
import socket
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

import pytest
import trustme

from booking.mail import transports
from booking.mail.message import Calendar, compose
from booking.mail.transports import (
    DeliveryError,
    FileTransport,
    Security,
    SmtpTransport,
    transport_from_url,
    without_password,
)
from tests.smtp import Authenticator, RecordingHandler, free_port

VISITOR = "joerg.mueller@example.org"
PASSWORD = "s3cr@t:pa/ss%wort"
INVITE = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Praxis Beispiel//Termine//DE\r\n"
    b"METHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:booking-7@termine.praxis.example\r\n"
    b"SEQUENCE:0\r\nDTSTAMP:20260601T080000Z\r\nDTSTART:20260603T090000Z\r\n"
    b"SUMMARY:Kostenfreies Erstgespr\xc3\xa4ch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def make_message(*, number: int = 42, to: tuple[str, ...] = (VISITOR,),
                 text: str = "Guten Tag Jörg,\nbis Mittwoch.\n") -> EmailMessage:
    return compose(
        sender="Praxis Beispiel <praxis@example.org>",
        to=[("Jörg Müller", address) for address in to],
        subject="Ihr Erstgespräch am 3. Juni",
        text=text,
        html="<p>Guten Tag Jörg, bis Mittwoch.</p>",
        message_id=f"<outbox-{number}.1a2b@termine.praxis.example>",
        date=datetime(2026, 6, 1, 8, 0, tzinfo=UTC),
        calendar=Calendar(INVITE, "REQUEST"),
    )


# --- file:// -------------------------------------------------------------------------


def eml_files(folder: Path) -> list[Path]:
    return sorted(folder.iterdir())


def test_file_transport_writes_one_parseable_eml_per_message(tmp_path):
    transport = transport_from_url(f"file://{tmp_path}")

    transport.send(make_message(number=1))
    transport.send(make_message(number=2))

    files = eml_files(tmp_path)
    assert [f.suffix for f in files] == [".eml", ".eml"]
    parsed = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert sorted(m["Message-ID"] for m in parsed) == [
        "<outbox-1.1a2b@termine.praxis.example>", "<outbox-2.1a2b@termine.praxis.example>",
    ]
    assert all(m["To"].addresses[0].addr_spec == VISITOR for m in parsed)


def test_file_holds_exactly_the_message_bytes(tmp_path):
    message = make_message()

    transport_from_url(f"file://{tmp_path}").send(message)

    (file,) = eml_files(tmp_path)
    assert file.read_bytes() == message.as_bytes(policy=policy.SMTP)


def test_file_is_named_after_the_message_id(tmp_path):
    transport_from_url(f"file://{tmp_path}").send(make_message(number=7))

    (file,) = eml_files(tmp_path)
    assert file.name.startswith("outbox-7.1a2b@termine.praxis.example.")


def test_resending_the_same_message_id_replaces_the_file(tmp_path):
    transport = transport_from_url(f"file://{tmp_path}")

    transport.send(make_message(text="first attempt"))
    transport.send(make_message(text="second attempt"))

    (file,) = eml_files(tmp_path)
    assert b"second attempt" in file.read_bytes()


def test_message_ids_that_sanitise_alike_still_get_their_own_files(tmp_path):
    transport = FileTransport(tmp_path)
    for message_id in ("<a/b@example.org>", "<a_b@example.org>", "<../../etc@example.org>"):
        message = make_message()
        message.replace_header("Message-ID", message_id)
        transport.send(message)

    assert len(eml_files(tmp_path)) == 3
    assert all(f.parent == tmp_path and not f.name.startswith(".") for f in eml_files(tmp_path))


def test_relative_file_url_is_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    transport_from_url("file://instance/mail").send(make_message())

    assert len(eml_files(tmp_path / "instance" / "mail")) == 1


def test_absolute_file_url_creates_the_missing_folders(tmp_path):
    folder = tmp_path / "does" / "not exist yet"

    transport_from_url(f"file://{quote(str(folder))}").send(make_message())

    assert len(eml_files(folder)) == 1


def test_failed_write_keeps_the_previous_file_whole_and_leaves_no_temporary(
        tmp_path, monkeypatch):
    transport = FileTransport(tmp_path)
    transport.send(make_message(text="first attempt"))
    (file,) = eml_files(tmp_path)
    before = file.read_bytes()

    def disk_full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(transports.os, "fsync", disk_full)
    with pytest.raises(DeliveryError, match="ENOSPC"):
        transport.send(make_message(text="second attempt"))

    assert eml_files(tmp_path) == [file]
    assert file.read_bytes() == before


def test_unwritable_folder_is_a_delivery_error(tmp_path):
    blocker = tmp_path / "mail"
    blocker.write_text("a file where the folder should be")

    with pytest.raises(DeliveryError) as raised:
        transport_from_url(f"file://{blocker}").send(make_message())

    assert "mail file" in str(raised.value)
    assert VISITOR not in str(raised.value)


# --- URLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "expected"), [
    ("smtp://mail.example.org", SmtpTransport("mail.example.org", 25, Security.PLAIN)),
    ("smtp://mail.example.org?starttls=1",
     SmtpTransport("mail.example.org", 587, Security.STARTTLS)),
    ("smtp://mail.example.org:2525?starttls=true",
     SmtpTransport("mail.example.org", 2525, Security.STARTTLS)),
    ("smtp://mail.example.org?starttls=0", SmtpTransport("mail.example.org", 25, Security.PLAIN)),
    ("smtps://mail.example.org", SmtpTransport("mail.example.org", 465, Security.TLS)),
    (f"smtps://praxis%40example.org:{quote(PASSWORD, safe='')}@mail.example.org:4650",
     SmtpTransport("mail.example.org", 4650, Security.TLS, "praxis@example.org", PASSWORD)),
])
def test_smtp_urls(url, expected):
    assert transport_from_url(url) == expected


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_a_password_may_go_unencrypted_only_to_this_machine(host):
    assert transport_from_url(f"smtp://user:pw@{host}:2525").username == "user"


def test_timeout_reaches_the_smtp_transport():
    assert transport_from_url("smtp://mail.example.org", timeout=3.5).timeout == 3.5


def test_password_is_not_in_the_transport_repr():
    transport = transport_from_url(f"smtps://user:{quote(PASSWORD, safe='')}@mail.example.org")

    assert PASSWORD not in repr(transport)
    assert quote(PASSWORD, safe="") not in repr(transport)


@pytest.mark.parametrize(("url", "message"), [
    ("http://user:hunter2@mail.example.org", "file://, smtp:// or smtps://"),
    ("mail.example.org", "file://, smtp:// or smtps://"),
    ("smtp://user:hunter2@", "needs a host"),
    ("smtp://user:hunter2@mail.example.org/inbox", "no path"),
    ("smtp://user:hunter2@mail.example.org?startls=1", "'startls'"),
    ("smtp://user:hunter2@mail.example.org?starttls=maybe", "must be 1 or 0"),
    ("smtps://user:hunter2@mail.example.org?starttls=1", "'starttls'"),
    # An unencoded "/" in the password: urllib would quote "hun" in its error.
    ("smtp://user:hun/ter2@mail.example.org", "port"),
    ("smtp://:hunter2@mail.example.org", "no user name"),
    ("smtp://user:hunter2@mail.example.org", "unencrypted"),
    ("smtp://user:hunter2@mail.example.org?starttls=0", "unencrypted"),
    ("file://", "needs a folder"),
    ("file:///srv/mail?x=hunter2", "no query"),
])
def test_unsupported_urls_are_refused_without_echoing_the_password(url, message):
    with pytest.raises(ValueError, match=message) as raised:
        transport_from_url(url)

    assert "hunter2" not in str(raised.value)
    assert "hun" not in str(raised.value)


# --- smtp:// against aiosmtpd ----------------------------------------------------------


@pytest.fixture(autouse=True)
def no_leaked_threads() -> Iterator[None]:
    """Every server thread a test starts is gone when it ends. Timers are left out: the
    in-memory rate-limit storages of other tests' apps re-arm theirs at any moment."""
    before = _threads()
    yield
    assert _threads() <= before


def _threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if not isinstance(thread, threading.Timer)}


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_tls(certificate_authority) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(context)
    return context


@pytest.fixture
def trusted_ca(certificate_authority, tmp_path, monkeypatch) -> None:
    """Makes ssl.create_default_context() (what the transport uses) trust the test CA."""
    bundle = tmp_path / "ca.pem"
    certificate_authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))


def assert_log_safe(error: DeliveryError) -> None:
    text = str(error)
    assert VISITOR not in text
    assert "@" not in text
    assert PASSWORD not in text and quote(PASSWORD, safe="") not in text
    assert "Erstgespr" not in text
    assert len(text) < 80
    # Tracebacks in logs show chained exceptions, which name recipients.
    assert error.__cause__ is None and error.__suppress_context__


def test_smtp_delivers_the_message_to_the_to_recipients(start_server):
    handler, port = start_server()
    message = make_message()

    transport_from_url(f"smtp://127.0.0.1:{port}").send(message)

    (received,) = handler.received
    assert received.mail_from == "praxis@example.org"
    assert received.rcpt_tos == [VISITOR]
    assert received.content == message.as_bytes(policy=policy.SMTP)
    assert not received.over_tls


def test_smtp_delivers_to_every_recipient_in_to(start_server):
    handler, port = start_server()

    transport_from_url(f"smtp://127.0.0.1:{port}").send(
        make_message(to=(VISITOR, "partner@example.org")))

    assert handler.received[0].rcpt_tos == [VISITOR, "partner@example.org"]


def test_smtp_logs_in_with_the_decoded_user_and_password(start_server):
    authenticator = Authenticator("praxis@example.org", PASSWORD)
    handler, port = start_server(authenticator=authenticator, auth_require_tls=False)
    url = f"smtp://praxis%40example.org:{quote(PASSWORD, safe='')}@127.0.0.1:{port}"

    transport_from_url(url).send(make_message())

    assert authenticator.attempts == [("praxis@example.org", PASSWORD)]
    assert len(handler.received) == 1


def test_smtp_wrong_password_is_a_log_safe_delivery_error(start_server):
    authenticator = Authenticator("praxis@example.org", "the real one")
    handler, port = start_server(authenticator=authenticator, auth_require_tls=False)
    url = f"smtp://praxis%40example.org:{quote(PASSWORD, safe='')}@127.0.0.1:{port}"

    with pytest.raises(DeliveryError, match="SMTP 535 .*authentication failed") as raised:
        transport_from_url(url).send(make_message())

    assert_log_safe(raised.value)
    assert handler.received == []


def test_smtp_server_not_running_is_a_quick_log_safe_delivery_error():
    url = f"smtp://praxis%40example.org:{quote(PASSWORD, safe='')}@127.0.0.1:{free_port()}"

    with pytest.raises(DeliveryError, match="^SMTP connection refused$") as raised:
        transport_from_url(url, timeout=5).send(make_message())

    assert_log_safe(raised.value)


def test_smtp_server_that_never_greets_times_out():
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        with pytest.raises(DeliveryError, match="^SMTP timeout$"):
            transport_from_url(f"smtp://127.0.0.1:{port}", timeout=0.2).send(make_message())


def test_smtp_refused_recipient_is_a_log_safe_delivery_error(start_server):
    handler, port = start_server(RecordingHandler(refuse={VISITOR}))

    with pytest.raises(DeliveryError, match="^SMTP 550 5.1.1 recipient rejected$") as raised:
        transport_from_url(f"smtp://127.0.0.1:{port}").send(make_message())

    assert_log_safe(raised.value)
    assert handler.received == []


def test_smtp_partly_refused_recipients_deliver_to_nobody(start_server):
    handler, port = start_server(RecordingHandler(refuse={"partner@example.org"}))

    with pytest.raises(DeliveryError, match="550"):
        transport_from_url(f"smtp://127.0.0.1:{port}").send(
            make_message(to=(VISITOR, "partner@example.org")))

    # Nobody got it, so the retry of the whole message duplicates nothing.
    assert handler.received == []


def test_smtp_starttls_upgrades_before_logging_in(start_server, server_tls, trusted_ca):
    authenticator = Authenticator("praxis", PASSWORD)
    handler, port = start_server(tls_context=server_tls, require_starttls=True,
                                 authenticator=authenticator)
    url = f"smtp://praxis:{quote(PASSWORD, safe='')}@127.0.0.1:{port}?starttls=1"

    transport_from_url(url).send(make_message())

    assert authenticator.attempts == [("praxis", PASSWORD)]
    (received,) = handler.received
    assert received.over_tls
    assert received.rcpt_tos == [VISITOR]


def test_smtp_starttls_refuses_a_server_without_starttls(start_server):
    handler, port = start_server()

    with pytest.raises(DeliveryError, match="does not offer STARTTLS"):
        transport_from_url(f"smtp://127.0.0.1:{port}?starttls=1").send(make_message())

    assert handler.received == []


def test_smtp_starttls_refuses_an_untrusted_certificate(start_server, server_tls):
    handler, port = start_server(tls_context=server_tls, require_starttls=True)

    with pytest.raises(DeliveryError, match="^SMTP TLS certificate not trusted$"):
        transport_from_url(f"smtp://127.0.0.1:{port}?starttls=1").send(make_message())

    assert handler.received == []


def test_smtps_delivers_over_implicit_tls(start_server, server_tls, trusted_ca):
    handler, port = start_server(ssl_context=server_tls)
    message = make_message()

    transport_from_url(f"smtps://127.0.0.1:{port}").send(message)

    (received,) = handler.received
    assert received.over_tls
    assert received.content == message.as_bytes(policy=policy.SMTP)


def test_smtps_refuses_an_untrusted_certificate(start_server, server_tls):
    handler, port = start_server(ssl_context=server_tls)

    with pytest.raises(DeliveryError, match="^SMTP TLS certificate not trusted$"):
        transport_from_url(f"smtps://127.0.0.1:{port}").send(make_message())

    assert handler.received == []


def test_a_mail_url_is_printed_without_its_password():
    assert without_password(f"smtps://praxis:{quote(PASSWORD, safe='')}@mail.example.org:465"
                            ) == "smtps://praxis:***@mail.example.org:465"
    assert without_password("file:///srv/mail") == "file:///srv/mail"
