"""Lambda REQUEST authorizer: resolves the API key to a role and allows or denies the route.

A missing or unknown key (or two different valid keys) raises "Unauthorized" (API Gateway answers 401 before the route's
function runs or its body is read); a known key whose role is too low gets a Deny (403).

An allowed request is counted against the key's rate limits (lms.auth.rate_limits). A Lambda
authorizer can only allow or deny (403), so the verdict and the X-RateLimit-* headers travel in the
authorizer's context, and the route's resolver answers 429 (and adds the headers to every answer)
before any of the route's code runs (lms.api.resolver).
"""

from __future__ import annotations

from typing import Any

from lms import jsonutil
from lms.auth.api_keys import ApiKey, ApiKeyStore, CachedAuthenticator
from lms.auth.rate_limits import limiter_for
from lms.auth.roles import allows, required_role
from lms.config import get_settings
from lms.observability import logger, observed

_settings = get_settings()
_authenticator = CachedAuthenticator(ApiKeyStore, _settings.auth_cache_ttl_seconds, _settings.auth_cache_max_entries)


def presented_keys(headers: dict[str, str] | None) -> list[str]:
    """The distinct keys the request carries: `Authorization: Bearer <key>` and `X-API-Key: <key>`."""
    lowered = {k.lower(): v for k, v in (headers or {}).items() if isinstance(v, str)}
    keys = []
    bearer = lowered.get("authorization", "").strip()
    if bearer[:7].lower() == "bearer " and bearer[7:].strip():
        keys.append(bearer[7:].strip())
    api_key = lowered.get("x-api-key", "").strip()
    if api_key and api_key not in keys:
        keys.append(api_key)
    return keys


def authenticated(headers: dict[str, str] | None) -> ApiKey | None:
    """The key a request is made with: a valid key in either header (the seed sends both); None when
    neither is valid, or when the two headers carry two different valid keys: which one was meant is
    unknown, and taking the higher role would let a low key borrow a high one's rights."""
    records = [record for key in presented_keys(headers) if (record := _authenticator.authenticate(key))]
    if len({record.id for record in records}) != 1:
        if len(records) > 1:
            logger.info("two different valid keys", extra={"keyIds": sorted(r.id for r in records)})
        return None
    return records[0]


def _policy(principal: str, effect: str, method_arn: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}],
        },
        "context": context,
    }


def authorize(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    record = authenticated(event.get("headers"))
    if record is None:
        logger.info("unauthenticated request", extra={"resource": event.get("resource")})
        raise Exception("Unauthorized")  # the exact message API Gateway turns into 401
    needed = required_role(event.get("httpMethod", ""), event.get("resource", ""))
    effect = "Allow" if allows(record.role, needed) else "Deny"
    if effect == "Deny":
        logger.info("role too low", extra={"keyId": record.id, "role": record.role, "needed": needed})
    context = {"keyId": record.id, "role": record.role.value, "keyName": record.name}
    if effect == "Allow":
        usage = limiter_for(record.rate_limits).take(record.id)
        if not usage.allowed:
            logger.info("rate limited", extra={"keyId": record.id, "window": usage.exceeded})
        context |= {"rateLimited": str(not usage.allowed).lower(), "rateLimitHeaders": jsonutil.dumps(usage.headers())}
    return _policy(record.id, effect, event["methodArn"], context)


lambda_handler = observed(authorize)
