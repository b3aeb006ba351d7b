"""Issue 26, cases 5, 8 and 9: which header a key comes in, the bounded key cache, revocation rules."""

from __future__ import annotations

import pytest

from lms.auth.api_keys import ApiKey, CachedAuthenticator
from lms.auth.cache import TtlLruCache
from lms.auth.roles import Role
from tests.support.client import ApiClient

ADMIN_KEY = "lms_test-admin-key"


# ------------------------------------------------------------------ case 5: either header
def test_the_seeds_example_sends_both_headers_and_is_authenticated_by_either(local_api, keys):
    operator = keys["operator"]
    as_seed = ApiClient(local_api, None).get(
        "/v1/loans", headers={"X-API-Key": operator, "Authorization": "Bearer your-token"}
    )
    assert as_seed.status == 200, as_seed
    by_bearer = ApiClient(local_api, None).get(
        "/v1/loans", headers={"X-API-Key": "your-api-key", "Authorization": f"Bearer {operator}"}
    )
    assert by_bearer.status == 200, by_bearer
    same_in_both = ApiClient(local_api, None).get(
        "/v1/loans", headers={"X-API-Key": operator, "Authorization": f"Bearer {operator}"}
    )
    assert same_in_both.status == 200, same_in_both


def test_two_different_valid_keys_are_ambiguous_and_never_the_higher_role(local_api, keys):
    for bearer, api_key in ((keys["viewer"], ADMIN_KEY), (ADMIN_KEY, keys["viewer"])):
        reply = ApiClient(local_api, None).get(
            "/v1/api-keys", headers={"X-API-Key": api_key, "Authorization": f"Bearer {bearer}"}
        )
        assert reply.status == 401, reply
        assert reply.json["code"] == "unauthenticated"


# ------------------------------------------------------------------ case 8: bounded cache
def test_the_key_cache_keeps_at_most_its_size_least_recently_used_first():
    cache: TtlLruCache[int] = TtlLruCache(max_entries=3, ttl_seconds=60, now=lambda: 0.0)
    for index in range(1000):
        cache.put(f"k{index}", index)
    assert len(cache) == 3
    assert [cache.get(f"k{i}", None) for i in (996, 997, 998, 999)] == [None, 997, 998, 999]
    cache.get("k997")
    cache.put("new", -1)
    assert cache.get("k998", None) is None  # 997 was used more recently
    assert cache.get("k997") == 997


def test_the_key_cache_forgets_an_entry_when_it_expires():
    clock = [0.0]
    cache: TtlLruCache[str] = TtlLruCache(max_entries=2, ttl_seconds=60, now=lambda: clock[0])
    cache.put("a", "one")
    clock[0] = 59.0
    assert cache.get("a") == "one"
    clock[0] = 60.0
    assert cache.get("a", None) is None
    assert len(cache) == 0
    cache.put("b", "two")
    cache.put("c", "three")
    clock[0] = 200.0
    cache.put("d", "four")  # b and c expired: swept, not merely pushed out one by one
    assert len(cache) == 1


def test_the_authorizer_cache_stays_bounded_under_a_flood_of_distinct_keys():
    reads = []

    class Store:
        def authenticate(self, plaintext: str) -> ApiKey | None:
            reads.append(plaintext)
            return ApiKey("ak_x", "x", Role.VIEWER, "2026-01-01T00:00:00Z") if plaintext == "good" else None

    authenticator = CachedAuthenticator(Store, ttl_seconds=60, max_entries=100)
    assert authenticator.authenticate("good").id == "ak_x"
    for index in range(5000):
        assert authenticator.authenticate(f"lms_random-{index}") is None
    assert len(authenticator) == 100
    assert authenticator.authenticate("lms_random-4999") is None
    assert reads.count("lms_random-4999") == 1  # still cached: the newest entries stay


def test_the_authorizer_reads_its_cache_bounds_from_the_settings(monkeypatch):
    from lms.config import get_settings, reset_settings

    monkeypatch.setenv("AUTH_CACHE_MAX_ENTRIES", "250")
    reset_settings()
    assert get_settings().auth_cache_max_entries == 250
    monkeypatch.setenv("AUTH_CACHE_TTL_SECONDS", "86400")
    reset_settings()
    from lms.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="AUTH_CACHE_TTL_SECONDS"):
        get_settings()
    monkeypatch.delenv("AUTH_CACHE_TTL_SECONDS")
    monkeypatch.delenv("AUTH_CACHE_MAX_ENTRIES")
    reset_settings()


# ------------------------------------------------------------------ case 9: revocation
def _moved_clock(monkeypatch, stamp: str) -> None:
    from lms import clock

    monkeypatch.setattr(clock, "timestamp", lambda: stamp)


def test_revoking_a_key_twice_keeps_its_first_revoked_at(admin, monkeypatch):
    created = admin.post("/v1/api-keys", {"name": "temp", "role": "viewer"}).json
    _moved_clock(monkeypatch, "2026-03-01T10:00:00.000Z")
    first = admin.delete(f"/v1/api-keys/{created['id']}")
    assert (first.status, first.json["revokedAt"], first.json["active"]) == (200, "2026-03-01T10:00:00.000Z", False)
    _moved_clock(monkeypatch, "2026-03-02T11:00:00.000Z")
    again = admin.delete(f"/v1/api-keys/{created['id']}")
    assert (again.status, again.json["revokedAt"]) == (200, "2026-03-01T10:00:00.000Z")
    listed = {k["id"]: k for k in admin.get("/v1/api-keys").json["items"]}
    assert listed[created["id"]]["revokedAt"] == "2026-03-01T10:00:00.000Z"


def _admin_key_id(admin, name: str) -> str:
    return next(k["id"] for k in admin.get("/v1/api-keys").json["items"] if k["name"] == name)


def test_the_last_active_admin_key_cannot_be_revoked(admin, local_api):
    bootstrap_id = _admin_key_id(admin, "bootstrap admin")
    refused = admin.delete(f"/v1/api-keys/{bootstrap_id}")
    assert refused.status == 409, refused
    assert (refused.json["code"], refused.json["reason"]) == ("aborted", "LAST_ADMIN_KEY")
    assert admin.get("/v1/api-keys").status == 200  # still usable

    second = admin.post("/v1/api-keys", {"name": "ops admin", "role": "admin"}).json
    ops_admin = ApiClient(local_api, second["key"])
    assert ops_admin.delete(f"/v1/api-keys/{bootstrap_id}").json["active"] is False
    last = ops_admin.delete(f"/v1/api-keys/{second['id']}")
    assert (last.status, last.json["reason"]) == (409, "LAST_ADMIN_KEY")
    assert ops_admin.get("/v1/api-keys").status == 200


def test_two_admins_revoking_each_other_leave_one_admin(seeded):
    """The check that another admin stays active is part of the revoking transaction: run one
    revocation between the other's check and its commit, and the second one is refused."""
    from lms.auth.api_keys import ApiKeyStore

    store = ApiKeyStore()
    first, _ = store.create("admin one", Role.ADMIN)
    second, _ = store.create("admin two", Role.ADMIN)
    bootstrap_id = next(k.id for k in store.list(1, 100).items if k.name == "bootstrap admin")
    store.revoke(bootstrap_id)

    original = store._another_active_admin
    raced = []

    def racing(but):
        found = original(but)  # sees the other admin key still active ...
        if not raced:
            raced.append(True)
            store.revoke(second.id)  # ... which is revoked before this transaction commits
        return found

    store._another_active_admin = racing
    with pytest.raises(Exception) as refused:
        store.revoke(first.id)
    assert getattr(refused.value, "reason", None) == "LAST_ADMIN_KEY"
    active = [k for k in store.list(1, 100).items if k.active and k.role is Role.ADMIN]
    assert [k.id for k in active] == [first.id]


# ------------------------------------------------------------------ case 9: the local controls
def test_the_local_stacks_controls_need_the_admin_key(local_api, keys):
    for key, status in ((None, 401), ("lms_not-a-key", 401), (keys["viewer"], 403), (keys["operator"], 403)):
        reply = ApiClient(local_api, key).get("/_local/environments")
        assert reply.status == status, (key, reply)
        reply = ApiClient(local_api, key).post("/_local/breakpoints", {"function": "x", "target": "a:b"})
        assert reply.status == status, (key, reply)
    assert ApiClient(local_api, ADMIN_KEY).get("/_local/environments").status == 200
    assert ApiClient(local_api, ADMIN_KEY, "x-api-key").get("/_local/environments").status == 200
