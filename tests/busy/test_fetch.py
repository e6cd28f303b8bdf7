"""The calendar fetcher reads a therapist's calendar and nothing else: no private
network, no other scheme, no endless or oversized answer, and never the secret
part of the address in a message."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Iterator

import pytest
import trustme

from booking.busy import fetch
from booking.busy.fetch import FetchPolicy
from booking.errors import AddressRefused, CalendarUnavailable
from tests.busy.server import PRACTICE_ICS, SECRET_PATH, CalendarServer, running

SECRET = "5ecret7oken0815"


def policy(*allowed: str, timeout: float = 5.0, max_bytes: int = 1024 * 1024,
           **options) -> FetchPolicy:
    return FetchPolicy.allowing(allowed, timeout=timeout, max_bytes=max_bytes, **options)


@pytest.fixture
def server() -> Iterator[CalendarServer]:
    with running() as server:
        yield server


def test_an_allowlisted_loopback_calendar_is_read_with_its_validators(server):
    validators = {"ETag": '"v1"', "Last-Modified": "Mon, 01 Jun 2026 07:00:00 GMT"}
    url = server.serve(body=PRACTICE_ICS, headers=validators)
    fetched = fetch.fetch(url, policy=policy("127.0.0.1"))
    assert fetched.body == PRACTICE_ICS
    assert (fetched.etag, fetched.last_modified) == ('"v1"', "Mon, 01 Jun 2026 07:00:00 GMT")
    [request] = server.requests_for()
    assert "If-None-Match" not in request.headers
    assert request.headers["Host"] == f"127.0.0.1:{server.port}"


def test_validators_are_sent_back_and_not_modified_means_no_body(server):
    url = server.serve(body=PRACTICE_ICS, headers={"ETag": '"v1"'})
    fetched = fetch.fetch(url, policy=policy("127.0.0.1"), etag='"v1"',
                          last_modified="Mon, 01 Jun 2026 07:00:00 GMT")
    assert fetched.not_modified and fetched.etag == '"v1"'
    [request] = server.requests_for()
    assert request.headers["If-None-Match"] == '"v1"'
    assert request.headers["If-Modified-Since"] == "Mon, 01 Jun 2026 07:00:00 GMT"


def test_a_not_modified_answer_to_an_unconditional_request_is_an_error(server):
    url = server.serve(status=304)
    with pytest.raises(CalendarUnavailable, match="HTTP 304 from 127.0.0.1"):
        fetch.fetch(url, policy=policy("127.0.0.1"))


@pytest.mark.parametrize("address", [
    "http://10.1.2.3/{secret}.ics",
    "http://172.16.0.1/{secret}.ics",
    "http://192.168.178.1/{secret}.ics",
    "http://169.254.169.254/latest/meta-data/{secret}",
    "http://100.64.0.1/{secret}.ics",
    "http://0.0.0.0/{secret}.ics",
    "http://[::1]:8080/{secret}.ics",
    "http://224.0.0.1/{secret}.ics",
    "http://240.0.0.1/{secret}.ics",
    "http://[fd00::1]/{secret}.ics",
    "http://[fe80::1]/{secret}.ics",
    "http://[::ffff:127.0.0.1]/{secret}.ics",
    "http://[::ffff:169.254.169.254]/{secret}.ics",
    "http://2130706433/{secret}.ics",  # 127.0.0.1 written as one number
])
def test_private_addresses_are_refused_without_the_allowlist(address):
    with pytest.raises(AddressRefused) as refused:
        fetch.check_address(address.format(secret=SECRET), policy())
    assert SECRET not in str(refused.value)
    assert "not on the public internet" in str(refused.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LocalHost"])
def test_loopback_is_refused_before_anything_is_sent(server, host):
    url = server.serve(body=PRACTICE_ICS).replace("127.0.0.1", host)
    with pytest.raises(AddressRefused, match="not on the public internet"):
        fetch.fetch(url, policy=policy())
    assert server.requests == []


@pytest.mark.parametrize("address", [
    "file:///etc/passwd",
    "ftp://calendar.example/anna.ics",
    "gopher://calendar.example:70/_GET",
    "calendar.example/anna.ics",
    "javascript:alert(1)",
])
def test_other_schemes_are_refused(address):
    with pytest.raises(AddressRefused, match="only http, https and webcal"):
        fetch.check_address(address, policy())


def test_credentials_in_the_address_are_refused_without_being_repeated():
    with pytest.raises(AddressRefused, match="user name or password") as refused:
        fetch.normalise("https://anna:hunter2@cloud.example/remote.php/dav/x.ics")
    assert "hunter2" not in str(refused.value)


def test_webcal_is_read_as_https():
    assert fetch.normalise(" webcal://calendar.example/p/x.ics?k=1 ") == \
        "https://calendar.example/p/x.ics?k=1"


def test_allowlisted_ranges_and_host_names_may_be_private(server):
    url = server.serve(body=PRACTICE_ICS)
    assert fetch.fetch(url, policy=policy("127.0.0.0/8")).body == PRACTICE_ICS
    named = server.url(host="localhost")
    assert fetch.fetch(named, policy=policy("LOCALHOST")).body == PRACTICE_ICS
    with pytest.raises(AddressRefused):
        fetch.fetch(url, policy=policy("10.0.0.0/8", "calendar.praxis.lan"))


def test_the_connection_goes_to_the_address_that_was_checked(server):
    """One lookup per hop: a resolver that changes its answer after the check
    (DNS rebinding) is not asked again, and the host name still travels along."""
    answers = iter([["127.0.0.1"], ["10.0.0.1"]])
    calls = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)
        return next(answers)

    server.serve(body=PRACTICE_ICS)
    url = server.url(host="calendar.test")
    fetched = fetch.fetch(url, policy=policy("127.0.0.1"), resolve=rebinding)
    assert fetched.body == PRACTICE_ICS
    assert calls == ["calendar.test"]
    assert server.requests[0].headers["Host"] == f"calendar.test:{server.port}"


def test_a_name_with_any_private_address_is_refused():
    def mixed(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.1"]

    with pytest.raises(AddressRefused, match="10.0.0.1"):
        fetch.check_address("https://calendar.example/x.ics", policy(), resolve=mixed)


def test_a_redirect_to_a_private_address_is_refused_before_it_is_followed(server):
    with running("127.0.0.2") as inside:
        target = inside.serve(body=PRACTICE_ICS)
        url = server.serve(status=302, headers={"Location": target})
        with pytest.raises(AddressRefused, match="redirected to a refused address"):
            fetch.fetch(url, policy=policy("127.0.0.1"))
        assert inside.requests == []


@pytest.mark.parametrize("location", [
    "http://169.254.169.254/latest/meta-data/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
])
def test_a_redirect_to_metadata_files_or_other_schemes_is_refused(server, location):
    url = server.serve(status=301, headers={"Location": location})
    with pytest.raises(AddressRefused, match="redirected to a refused address"):
        fetch.fetch(url, policy=policy("127.0.0.1"))


def test_redirects_within_allowed_hosts_are_followed_a_few_times(server):
    server.serve("/moved.ics", body=PRACTICE_ICS)
    url = server.serve("/old.ics", status=308, headers={"Location": "/moved.ics"})
    assert fetch.fetch(url, policy=policy("127.0.0.1")).body == PRACTICE_ICS
    for hop in range(fetch.MAX_REDIRECTS + 1):
        server.serve(f"/loop{hop}", status=302, headers={"Location": f"/loop{hop + 1}"})
    server.serve(f"/loop{fetch.MAX_REDIRECTS + 1}", body=PRACTICE_ICS)
    with pytest.raises(CalendarUnavailable, match="more than 3 redirects"):
        fetch.fetch(server.url("/loop0"), policy=policy("127.0.0.1"))


@pytest.mark.parametrize("chunked", [False, True], ids=["declared", "streamed"])
def test_a_calendar_past_the_size_limit_is_refused(server, chunked):
    url = server.serve(body=b"X" * 5000, chunked=chunked)
    with pytest.raises(CalendarUnavailable, match="larger than 4 KiB"):
        fetch.fetch(url, policy=policy("127.0.0.1", max_bytes=4096))
    assert fetch.fetch(url, policy=policy("127.0.0.1", max_bytes=5000)).body == b"X" * 5000


def test_a_server_that_answers_nothing_times_out(server):
    url = server.serve(stall=True)
    with pytest.raises(CalendarUnavailable, match="could not read from 127.0.0.1: timed out"):
        fetch.fetch(url, policy=policy("127.0.0.1", timeout=0.3))


def test_a_server_that_trickles_its_answer_meets_one_deadline_for_the_whole_fetch(server):
    """Each byte comes well within the timeout, the whole body (10 s) does not."""
    url = server.serve(body=b"B" * 200, trickle=True)
    started = time.monotonic()
    with pytest.raises(CalendarUnavailable, match="timed out"):
        fetch.fetch(url, policy=policy("127.0.0.1", timeout=0.5))
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("status", [401, 404, 500, 503])
def test_an_http_error_names_the_status_and_the_host_only(server, status):
    url = server.serve(status=status, body=b"oops")
    with pytest.raises(CalendarUnavailable) as failed:
        fetch.fetch(url, policy=policy("127.0.0.1"))
    assert str(failed.value) == f"HTTP {status} from 127.0.0.1"


def test_a_refused_connection_names_the_host_only(server):
    port = server.port
    server.close()
    with pytest.raises(CalendarUnavailable) as failed:
        fetch.fetch(f"http://127.0.0.1:{port}{SECRET_PATH}", policy=policy("127.0.0.1"))
    assert str(failed.value) == "could not read from 127.0.0.1: connection refused"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def tls_server(ca: trustme.CA, name: str):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(name).configure_cert(context)
    return running(tls=context)


def trusting(ca: trustme.CA):
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def test_https_is_verified_against_the_host_name_while_connecting_to_the_checked_address(ca):
    with tls_server(ca, "calendar.test") as server:
        server.serve(body=PRACTICE_ICS)
        webcal = server.url(host="calendar.test").replace("https://", "webcal://")
        fetched = fetch.fetch(webcal, policy=policy("127.0.0.1", tls=trusting(ca)),
                              resolve=lambda host, port: ["127.0.0.1"])
        assert fetched.body == PRACTICE_ICS


def test_a_certificate_for_another_name_is_refused(ca):
    with tls_server(ca, "other.test") as server:
        server.serve(body=PRACTICE_ICS)
        with pytest.raises(CalendarUnavailable, match="certificate is not valid"):
            fetch.fetch(server.url(host="calendar.test"), policy=policy("127.0.0.1",
                                                                         tls=trusting(ca)),
                        resolve=lambda host, port: ["127.0.0.1"])


@pytest.mark.parametrize("address, public", [
    ("93.184.216.34", True),
    ("2a00:1450:4001:82a::200e", True),
    ("127.0.0.1", False),
    ("10.0.0.1", False),
    ("100.100.100.100", False),
    ("169.254.169.254", False),
    ("224.0.0.251", False),
    ("255.255.255.255", False),
    ("::1", False),
    ("::", False),
    ("fc00::1", False),
    ("fe80::1", False),
    ("ff02::1", False),
    ("::ffff:10.0.0.1", False),
    ("2002:a00:1::1", False),  # 6to4 around 10.0.0.1
    ("64:ff9b::7f00:1", False),  # NAT64 around 127.0.0.1
])
def test_only_public_internet_addresses_count_as_public(address, public):
    assert fetch.is_public(ipaddress.ip_address(address)) is public


def test_an_unknown_host_is_unavailable_not_refused():
    def nowhere(host: str, port: int) -> list[str]:
        raise socket.gaierror(-2, "Name or service not known")

    with pytest.raises(CalendarUnavailable, match="calendar.invalid could not be found"):
        fetch.check_address("https://calendar.invalid/x.ics", policy(), resolve=nowhere)
