"""The pure parts of webhooks: which addresses and URLs may receive them, signing, retry timing;
and the sender's connection to exactly the address that was checked, without following redirects."""

from __future__ import annotations

import base64
import socket
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from lms.webhooks import network
from lms.webhooks.domain import (
    MAX_RETRY_DELAY_SECONDS,
    Target,
    UnsafeUrl,
    address_problem,
    check_url,
    message_id,
    new_secret,
    retry_delay,
    safe_target,
    sign,
    signed_headers,
)

LOOPBACK = "a loopback address"
PRIVATE = "a private address"
LINK_LOCAL = "a link-local address"
MULTICAST = "a multicast address"
RESERVED = "a reserved address"
UNSPECIFIED = "an unspecified address"
NOT_PUBLIC = "not a public address"
ASCII_ONLY = "must be ASCII without spaces or control characters (write a host name in punycode)"


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        # IPv4
        ("127.0.0.1", LOOPBACK),
        ("127.255.255.254", LOOPBACK),
        ("10.0.0.1", PRIVATE),
        ("10.255.255.255", PRIVATE),
        ("172.16.0.1", PRIVATE),
        ("172.31.255.254", PRIVATE),
        ("192.168.1.1", PRIVATE),
        ("169.254.169.254", LINK_LOCAL),  # the instance metadata service
        ("169.254.0.1", LINK_LOCAL),
        ("0.0.0.0", UNSPECIFIED),
        ("0.1.2.3", PRIVATE),  # "this network"
        ("224.0.0.1", MULTICAST),
        ("239.255.255.250", MULTICAST),
        ("240.0.0.1", RESERVED),
        ("255.255.255.255", RESERVED),
        ("100.64.0.1", NOT_PUBLIC),  # shared address space (carrier-grade NAT)
        ("192.0.2.10", PRIVATE),  # documentation
        ("198.18.0.1", PRIVATE),  # benchmarking
        # IPv6
        ("::1", LOOPBACK),
        ("::", UNSPECIFIED),
        ("fc00::1", PRIVATE),
        ("fd12:3456:789a::1", PRIVATE),
        ("fe80::1", LINK_LOCAL),
        ("fe80::1%eth0", LINK_LOCAL),
        ("ff02::1", MULTICAST),
        ("2001:db8::1", PRIVATE),  # documentation
        # IPv6 carrying an IPv4 address
        ("::ffff:127.0.0.1", LOOPBACK),
        ("::ffff:10.1.2.3", PRIVATE),
        ("::ffff:169.254.169.254", LINK_LOCAL),
        ("::ffff:0.0.0.0", UNSPECIFIED),
        ("2002:7f00:1::", LOOPBACK),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", LINK_LOCAL),  # 6to4 of 169.254.169.254
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", LOOPBACK),  # Teredo, client 127.0.0.1
        ("64:ff9b::7f00:1", LOOPBACK),  # NAT64 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", LINK_LOCAL),
        ("64:ff9b::808:808", RESERVED),  # NAT64 itself is never a public destination here
        ("::7f00:1", RESERVED),  # IPv4-compatible (deprecated)
        # public
        ("8.8.8.8", None),
        ("1.1.1.1", None),
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
        ("2a00:1450:4001:80b::200e", None),
        ("::ffff:8.8.8.8", None),  # IPv4-mapped: the IPv4 address decides
        ("2002:808:808::1", None),  # 6to4 of a public address
        # not an address at all
        ("example.com", "not an IP address"),
    ],
)
def test_address_problem(address, problem):
    assert address_problem(address) == problem


def fake_resolver(table: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(-2, "Name or service not known")
        return table[host]

    return resolve


RESOLVE = fake_resolver(
    {
        "hooks.example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
        "internal.example.com": ["10.1.2.3"],
        "mixed.example.com": ["93.184.215.14", "169.254.169.254"],
        "mapped.example.com": ["::ffff:127.0.0.1"],
        "empty.example.com": [],
        "127.0.0.1": ["127.0.0.1"],
        "::1": ["::1"],
        "93.184.215.14": ["93.184.215.14"],
    }
)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://hooks.example.com/x", "must use https"),
        ("ftp://hooks.example.com/x", "must be an absolute https URL"),
        ("hooks.example.com/x", "must be an absolute https URL"),
        ("https:///x", "must be an absolute https URL"),
        ("/relative", "must be an absolute https URL"),
        ("https://user:secret@hooks.example.com/x", "must not contain credentials"),
        ("https://user@hooks.example.com/x", "must not contain credentials"),
        ("https://hooks.example.com/x#part", "must not have a fragment"),
        ("https://hooks.example.com:99999/x", "has an invalid port"),
        ("https://hooks.example.com:port/x", "has an invalid port"),
        ("https://hooks.example.com:0/x", "has an invalid port"),
        ("https://[::1/x", "is not a valid URL"),
        ("https://[hooks.example.com]/x", "is not a valid URL"),
        ("https://hooks.example.com/a b", ASCII_ONLY),
        ("https://hooks.example.com/a\tb", ASCII_ONLY),
        ("https://hooks.exämple.com/", ASCII_ONLY),
        ("https://hooks.example.com/" + "a" * 2023, "must be at most 2048 characters"),
        ("https://127.0.0.1/x", "host 127.0.0.1 is a loopback address"),
        ("https://[::1]:8443/x", "host ::1 is a loopback address"),
        ("https://internal.example.com/x", "host internal.example.com resolves to 10.1.2.3, a private address"),
        ("https://mixed.example.com/x", "host mixed.example.com resolves to 169.254.169.254, a link-local address"),
        ("https://mapped.example.com/x", "host mapped.example.com resolves to ::ffff:127.0.0.1, a loopback address"),
        ("https://nowhere.invalid/x", "host nowhere.invalid could not be resolved"),
        ("https://empty.example.com/x", "host empty.example.com could not be resolved"),
    ],
)
def test_unsafe_urls_are_refused_naming_why(url, message):
    with pytest.raises(UnsafeUrl) as refused:
        safe_target(url, allow_http=False, allow_loopback=False, resolve=RESOLVE)
    assert str(refused.value) == message


def test_a_url_of_exactly_the_maximum_length_is_taken():
    url = "https://hooks.example.com/" + "a" * (2048 - len("https://hooks.example.com/"))
    assert len(url) == 2048
    assert safe_target(url, allow_http=False, allow_loopback=False, resolve=RESOLVE).path == "/" + "a" * 2022


def test_a_safe_url_gives_its_target_with_every_checked_address():
    target = safe_target(
        "https://HOOKS.example.com:8443/lms/events?source=lms", allow_http=False, allow_loopback=False, resolve=RESOLVE
    )
    assert target == Target(
        scheme="https",
        host="hooks.example.com",
        port=8443,
        path="/lms/events?source=lms",
        addresses=("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"),
    )
    assert safe_target("https://hooks.example.com", allow_http=False, allow_loopback=False, resolve=RESOLVE).path == "/"


def test_the_local_stacks_exceptions():
    """http where allowed; private addresses where allowed; credentials and other schemes never."""
    assert check_url("http://hooks.example.com/x", allow_http=True) == ("http", "hooks.example.com", 80, "/x")
    local = safe_target("http://127.0.0.1:8080/hook", allow_http=True, allow_loopback=True, resolve=RESOLVE)
    assert (local.port, local.addresses) == (8080, ("127.0.0.1",))
    with pytest.raises(UnsafeUrl, match="loopback"):
        safe_target("http://127.0.0.1:8080/hook", allow_http=True, allow_loopback=False, resolve=RESOLVE)
    with pytest.raises(UnsafeUrl, match="must use https"):
        safe_target("http://127.0.0.1:8080/hook", allow_http=False, allow_loopback=True, resolve=RESOLVE)
    with pytest.raises(UnsafeUrl, match="credentials"):
        safe_target("http://a:b@127.0.0.1/", allow_http=True, allow_loopback=True, resolve=RESOLVE)
    with pytest.raises(UnsafeUrl, match="could not be resolved"):
        safe_target("http://nowhere.invalid/", allow_http=True, allow_loopback=True, resolve=RESOLVE)


LOCAL_RESOLVE = fake_resolver(
    {
        "127.0.0.1": ["127.0.0.1"],
        "::1": ["::1"],
        "169.254.169.254": ["169.254.169.254"],
        "10.0.0.7": ["10.0.0.7"],
        "192.168.1.20": ["192.168.1.20"],
        "0.0.0.0": ["0.0.0.0"],
        "mapped.example.com": ["::ffff:127.0.0.1"],
        "metadata.example.com": ["127.0.0.1", "169.254.169.254"],
    }
)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://169.254.169.254/latest/meta-data/", "host 169.254.169.254 is a link-local address"),
        ("http://10.0.0.7/", "host 10.0.0.7 is a private address"),
        ("http://192.168.1.20:8080/", "host 192.168.1.20 is a private address"),
        ("http://0.0.0.0:8080/", "host 0.0.0.0 is an unspecified address"),
        ("http://metadata.example.com/", "host metadata.example.com resolves to 169.254.169.254, a link-local address"),
    ],
)
def test_the_local_stack_takes_loopback_only_never_other_private_addresses(url, message):
    with pytest.raises(UnsafeUrl) as refused:
        safe_target(url, allow_http=True, allow_loopback=True, resolve=LOCAL_RESOLVE)
    assert str(refused.value) == message


@pytest.mark.parametrize("url", ["http://127.0.0.1:5000/", "http://[::1]:3000/x", "http://mapped.example.com:5000/"])
def test_the_local_stack_refuses_its_own_ports(url):
    with pytest.raises(UnsafeUrl, match=r"^port (5000|3000) of this machine is the local stack's own service$"):
        safe_target(url, allow_http=True, allow_loopback=True, refused_ports=(5000, 3000), resolve=LOCAL_RESOLVE)
    other_port = url.replace(":5000", ":8080").replace(":3000", ":8080")
    assert safe_target(
        other_port, allow_http=True, allow_loopback=True, refused_ports=(5000, 3000), resolve=LOCAL_RESOLVE
    )


@pytest.mark.parametrize("host", ["2130706433", "0x7f.0.0.1", "127.1", "0177.0.0.1", "localhost"])
def test_other_spellings_of_loopback_resolve_to_it_and_are_refused(host):
    with pytest.raises(UnsafeUrl, match=rf"^host {host} resolves to (127\.0\.0\.1|::1), a loopback address$"):
        safe_target(f"https://{host}/x", allow_http=False, allow_loopback=False, resolve=network.resolve_host)


# ------------------------------------------------------------------------------------- signing
def test_signature_matches_the_specifications_known_vector():
    """The Standard Webhooks reference library's own test vector (libraries/python/tests/test_webhooks.py)."""
    signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}'
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_new_secret_is_whsec_and_24_random_bytes():
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 32
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 24


def test_the_standardwebhooks_library_verifies_our_headers_and_refuses_changes():
    secret = new_secret()
    body = '{"event":"loan.closed","loanId":7,"status":"CLOSED","timestamp":"2026-11-24T10:00:00+00:00"}'
    now = int(datetime.now(UTC).timestamp())
    headers = signed_headers(secret, message_id("ntc_7_3_1", "wh_x"), now, body)
    assert headers["content-type"] == "application/json"
    assert headers["webhook-id"] == "msg_ntc_7_3_1_wh_x"
    assert headers["webhook-timestamp"] == str(now)
    assert Webhook(secret).verify(body, headers) == {
        "event": "loan.closed",
        "loanId": 7,
        "status": "CLOSED",
        "timestamp": "2026-11-24T10:00:00+00:00",
    }
    with pytest.raises(WebhookVerificationError, match="No matching signature found"):
        Webhook(secret).verify(body.replace("7", "8"), headers)
    with pytest.raises(WebhookVerificationError, match="No matching signature found"):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError, match="No matching signature found"):  # a replay, re-dated
        Webhook(secret).verify(body, {**headers, "webhook-timestamp": str(now + 1)})
    with pytest.raises(WebhookVerificationError, match="No matching signature found"):
        Webhook(secret).verify(body, {**headers, "webhook-id": "msg_other"})
    old = now - 301
    with pytest.raises(WebhookVerificationError, match="Message timestamp too old"):  # a replay, as signed
        Webhook(secret).verify(body, signed_headers(secret, "msg_1", old, body))


# ------------------------------------------------------------------------------------- retries
def test_retry_delays_double_from_the_base_up_to_ten_hours():
    assert [retry_delay(n, 60) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3840, 7680]
    assert retry_delay(20, 60) == MAX_RETRY_DELAY_SECONDS == 36000
    assert [retry_delay(n, 0) for n in range(1, 5)] == [0, 0, 0, 0]


# ------------------------------------------------------------------------------------- the sender
class _Receiver(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, dict, bytes]] = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(type(self).status)
        if type(self).status in range(300, 400):
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    _Receiver.seen = []
    _Receiver.status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_the_request_goes_to_the_checked_address_and_names_the_host(receiver):
    """The host name is never looked up again (it does not even resolve): no DNS rebinding."""
    target = Target("http", "receiver.invalid", receiver, "/hook?x=1", ("127.0.0.1",))
    answer = network.post(target, {"content-type": "application/json", "webhook-id": "msg_1"}, b'{"a":1}', 2)
    assert (answer.status_code, answer.error) == (200, None)
    assert answer.duration_ms >= 0
    [(method, path, headers, body)] = _Receiver.seen
    assert (method, path, body) == ("POST", "/hook?x=1", b'{"a":1}')
    assert headers["host"] == f"receiver.invalid:{receiver}"
    assert headers["webhook-id"] == "msg_1" and headers["content-type"] == "application/json"


def test_redirects_are_not_followed(receiver):
    _Receiver.status = 302
    target = Target("http", "127.0.0.1", receiver, "/", ("127.0.0.1",))
    answer = network.post(target, {}, b"{}", 2)
    assert (answer.status_code, answer.error) == (302, "HTTP 302: redirects are not followed")
    assert len(_Receiver.seen) == 1


def test_an_error_status_and_no_answer_are_failed_attempts(receiver):
    _Receiver.status = 503
    answer = network.post(Target("http", "127.0.0.1", receiver, "/", ("127.0.0.1",)), {}, b"{}", 2)
    assert (answer.status_code, answer.error) == (503, "HTTP 503")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    answer = network.post(Target("http", "127.0.0.1", port, "/", ("127.0.0.1",)), {}, b"{}", 2)
    assert answer.status_code is None
    assert answer.error.startswith("ConnectionRefusedError: ")
