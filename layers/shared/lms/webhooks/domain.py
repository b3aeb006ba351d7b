"""The pure parts of webhooks: event types, which URLs may receive them, signing, and retry timing.

Signing follows the Standard Webhooks specification (https://www.standardwebhooks.com): the
signature is `v1,` + base64(HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")), the
key being the base64-decoded part of the subscription's secret after `whsec_`.

A URL is safe when it is an absolute https URL (http only where allowed: the local stack) without
credentials, and every address its host resolves to is public (or, on the local stack only, this
machine's loopback address on a port that is not one of the stack's own): not private, loopback, link-local,
multicast, reserved or unspecified, IPv4 or IPv6, also when an IPv6 address carries an IPv4 one
(IPv4-mapped, 6to4, Teredo, NAT64). Resolution is passed in, so the check is pure and the sender
can connect to exactly the address it checked (no second lookup for a DNS rebinding to change).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit


class WebhookEvent(StrEnum):
    DISBURSEMENT_COMPLETED = "disbursement.completed"
    DISBURSEMENT_FAILED = "disbursement.failed"
    LOAN_CLOSED = "loan.closed"
    LOAN_OVERPAID = "loan.overpaid"
    LOAN_OVERDUE = "loan.overdue"
    LOAN_DELINQUENCY_CHANGED = "loan.delinquency_changed"
    LOAN_PAYMENT_DUE = "loan.payment_due"


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24  # 192 bits; a multiple of 3, so the base64 has no padding (the specification's own form)
MAX_URL_LENGTH = 2048
# SQS keeps a message invisible for at most 12 hours from its receipt; stay well inside it.
MAX_RETRY_DELAY_SECONDS = 10 * 3600

# The receiver's answer decides; nothing the receiver sends is followed or trusted beyond its status.
SUCCESS = range(200, 300)


class UnsafeUrl(ValueError):
    """The URL may not receive webhooks; the message says why (for the `url` field's error)."""


# ------------------------------------------------------------------------------------- signing
def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The `webhook-signature` header's value for one delivery attempt."""
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def message_id(notice_id: str, subscription_id: str) -> str:
    """The `webhook-id` of a notice's delivery to one subscription: the same on every attempt, so a
    receiver can recognise a retry."""
    return f"msg_{notice_id}_{subscription_id}"


# ------------------------------------------------------------------------------------- retries
def retry_delay(attempts: int, base_seconds: int) -> int:
    """Seconds before the next attempt after `attempts` failed ones: base, 2 x base, 4 x base ..."""
    return min(base_seconds * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY_SECONDS)


# ------------------------------------------------------------------------------------- URL safety
@dataclass(frozen=True)
class Target:
    """Where one delivery goes: the URL's parts and the checked addresses of its host."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent in the request line
    addresses: tuple[str, ...]


Resolver = Callable[[str, int], Sequence[str]]


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client's address
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
LOOPBACK = "a loopback address"


def address_problem(address: str) -> str | None:
    """Why an address may not receive webhooks ("a loopback address" ...), or None if it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            problem = address_problem(str(embedded))
            if problem or ip.ipv4_mapped is not None:
                return problem  # a mapped address is its IPv4 address
    checks = (
        (ip.is_unspecified, "an unspecified address"),
        (ip.is_loopback, LOOPBACK),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "not a public address"),
    )
    return next((reason for matched, reason in checks if matched), None)


def check_url(url: str, *, allow_http: bool) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a well-formed URL; UnsafeUrl otherwise. No resolution."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeUrl(f"must be at most {MAX_URL_LENGTH} characters")
    if not url.isascii() or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise UnsafeUrl("must be ASCII without spaces or control characters (write a host name in punycode)")
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed [ of an IPv6 host
        raise UnsafeUrl("is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http") or not parts.netloc:
        raise UnsafeUrl("must be an absolute https URL")
    if scheme == "http" and not allow_http:
        raise UnsafeUrl("must use https")
    if "@" in parts.netloc:
        raise UnsafeUrl("must not contain credentials")
    if parts.fragment or url.endswith("#"):
        raise UnsafeUrl("must not have a fragment")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("must name a host")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is None:
        port = 443 if scheme == "https" else 80
    if not 0 < port < 65536:
        raise UnsafeUrl("has an invalid port")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, path


def safe_target(
    url: str,
    *,
    allow_http: bool,
    allow_loopback: bool,
    resolve: Resolver,
    refused_ports: Collection[int] = (),
) -> Target:
    """The URL's target with its host's addresses, each checked; UnsafeUrl naming the first problem.

    `allow_loopback` (the local stack) takes this machine's loopback addresses, except on
    `refused_ports` (the stack's own services); every other address must still be public.
    """
    scheme, host, port, path = check_url(url, allow_http=allow_http)
    try:
        addresses = tuple(dict.fromkeys(resolve(host, port)))
    except (OSError, UnicodeError):
        addresses = ()
    if not addresses:
        raise UnsafeUrl(f"host {host} could not be resolved")
    for address in addresses:
        problem = address_problem(address)
        if problem == LOOPBACK and allow_loopback:
            if port in refused_ports:
                raise UnsafeUrl(f"port {port} of this machine is the local stack's own service")
            continue
        if problem:
            if _is_literal(host):
                raise UnsafeUrl(f"host {host} is {problem}")
            raise UnsafeUrl(f"host {host} resolves to {address}, {problem}")
    return Target(scheme, host, port, path, addresses)


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    return True
