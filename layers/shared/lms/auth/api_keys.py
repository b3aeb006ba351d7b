"""API keys: stored as SHA-256 hashes, looked up by hash, listed and revoked by id.

Keys are 256-bit random tokens, so a fast hash is enough (no password stretching needed);
the plaintext is shown once, at creation, and never stored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from lms import clock
from lms.auth.cache import TtlLruCache
from lms.auth.roles import Role
from lms.errors import Aborted, NotFound
from lms.ids import new_secret, new_ulid
from lms.observability import traced
from lms.storage.dynamo import ConditionFailed, Key, Table
from lms.storage.pagination import KeyQuery, Page, PageAt, load_page
from lms.storage.tables import BY_TYPE, core_table

KEY_PREFIX = "lms_"
_TYPE = "APIKEY"


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    role: Role
    created_at: str
    revoked_at: str | None = None
    # This key's own limits (a partner with a smaller or larger allowance); None: the deployment's.
    rate_limits: dict[str, int] | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def _key(key_hash: str) -> Key:
    return Key(f"APIKEY#{key_hash}", "APIKEY")


def _from_item(item: dict) -> ApiKey:
    return ApiKey(
        id=item["id"],
        name=item["name"],
        role=Role(item["role"]),
        created_at=item["createdAt"],
        revoked_at=item.get("revokedAt"),
        rate_limits={k: int(v) for k, v in item["rateLimits"].items()} if item.get("rateLimits") else None,
    )


@traced
class ApiKeyStore:
    def __init__(self, table: Table | None = None):
        self.table = table or core_table()

    def register(self, plaintext: str, name: str, role: Role, rate_limits: dict[str, int] | None = None) -> ApiKey:
        """Store a key whose plaintext the caller chose (the bootstrap admin key); idempotent."""
        key_hash = hash_key(plaintext)
        existing = self.table.get(_key(key_hash))
        if existing:
            return _from_item(existing)
        record = ApiKey(
            id=f"ak_{new_ulid().lower()}", name=name, role=role, created_at=clock.timestamp(), rate_limits=rate_limits
        )
        try:
            self.table.put(
                {
                    "PK": _key(key_hash).pk,
                    "SK": _key(key_hash).sk,
                    "entity": "apiKey",
                    "id": record.id,
                    "name": record.name,
                    "role": record.role.value,
                    "createdAt": record.created_at,
                    "keyHash": key_hash,
                    "TypePK": _TYPE,
                    "TypeSK": record.id,
                    **({"rateLimits": rate_limits} if rate_limits else {}),
                },
                condition="attribute_not_exists(PK)",
            )
        except ConditionFailed:
            return _from_item(self.table.get(_key(key_hash)))
        return record

    def create(self, name: str, role: Role, rate_limits: dict[str, int] | None = None) -> tuple[ApiKey, str]:
        plaintext = KEY_PREFIX + new_secret()
        return self.register(plaintext, name, role, rate_limits), plaintext

    def authenticate(self, plaintext: str) -> ApiKey | None:
        item = self.table.get(_key(hash_key(plaintext)))
        if not item or not hmac.compare_digest(item["keyHash"], hash_key(plaintext)):
            return None
        record = _from_item(item)
        return record if record.active else None

    def list(self, page: PageAt, rows: int) -> Page[ApiKey]:
        candidates = KeyQuery("TypePK = :t", {":t": _TYPE}, index=BY_TYPE, projection="PK, SK")
        return load_page(self.table, candidates, page, rows, _from_item)

    def revoke(self, key_id: str) -> ApiKey:
        """Mark the key revoked, once: revoking it again answers with its first `revokedAt`.

        The last active admin key is kept (409 LAST_ADMIN_KEY): without one nobody can issue keys.
        Revoking an admin key checks, in the same transaction, that another admin key is still
        active, so two admins revoking each other at once cannot both succeed.
        """
        matches = list(
            self.table.query(
                "TypePK = :t AND TypeSK = :id", {":t": _TYPE, ":id": key_id}, index=BY_TYPE, projection="PK, SK"
            )
        )
        if not matches:
            raise NotFound(f"API key {key_id} does not exist", reason="API_KEY_NOT_FOUND")
        key = Key(matches[0]["PK"], matches[0]["SK"])
        for _ in range(_REVOKE_ATTEMPTS):
            item = self.table.get(key)  # the index holds no revokedAt: read the key itself
            if item is None:
                raise NotFound(f"API key {key_id} does not exist", reason="API_KEY_NOT_FOUND")
            if item.get("revokedAt"):
                return _from_item(item)
            revoked_at = clock.timestamp()
            revoke = self.table.update_action(
                key, "SET revokedAt = :now", condition=_ACTIVE, values_={":now": revoked_at}
            )
            other = self._another_active_admin(key) if item["role"] == Role.ADMIN.value else None
            if item["role"] == Role.ADMIN.value and other is None:
                raise Aborted(
                    f"API key {key_id} is the last active admin key; issue another admin key first",
                    reason="LAST_ADMIN_KEY",
                )
            guard = (
                [{"ConditionCheck": {"TableName": self.table.name, "Key": other.av(), "ConditionExpression": _ACTIVE}}]
                if other
                else []
            )
            try:
                self.table.transact_write([revoke, *guard])
            except ConditionFailed:
                continue  # revoked meanwhile, or the other admin key was: look again
            return _from_item({**item, "revokedAt": revoked_at})
        raise Aborted(f"API key {key_id} changed while it was being revoked; try again", reason="CONCURRENT_UPDATE")

    def _another_active_admin(self, but: Key) -> Key | None:
        candidates = self.table.query("TypePK = :t", {":t": _TYPE}, index=BY_TYPE, projection="PK, SK")
        keys = [Key(c["PK"], c["SK"]) for c in candidates if (c["PK"], c["SK"]) != (but.pk, but.sk)]
        for item in self.table.batch_get(keys):
            if item["role"] == Role.ADMIN.value and not item.get("revokedAt"):
                return Key(item["PK"], item["SK"])
        return None


_ACTIVE = "attribute_exists(PK) AND attribute_not_exists(revokedAt)"
_REVOKE_ATTEMPTS = 5


class CachedAuthenticator:
    """Remembers recent lookups per key hash so the authorizer does not read DynamoDB on every call.

    At most `max_entries` lookups, each for at most `ttl_seconds` (unknown keys too, so a client
    repeating a wrong key costs one read per TTL); the least recently used goes first.
    """

    def __init__(self, store_factory, ttl_seconds: int, max_entries: int = 10_000):
        self._store_factory = store_factory
        self._cache: TtlLruCache[ApiKey | None] = TtlLruCache(max_entries, ttl_seconds)

    def __len__(self) -> int:
        return len(self._cache)

    def authenticate(self, plaintext: str) -> ApiKey | None:
        digest = hash_key(plaintext)
        hit = self._cache.get(digest, _UNCACHED)
        if hit is not _UNCACHED:
            return hit
        record = self._store_factory().authenticate(plaintext)
        self._cache.put(digest, record)
        return record


_UNCACHED = object()
