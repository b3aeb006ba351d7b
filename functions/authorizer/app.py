"""Lambda REQUEST authorizer: resolves the API key to a role and allows or denies the route.

A missing or unknown key raises "Unauthorized" (API Gateway answers 401 before the route's
function runs or its body is read); a known key whose role is too low gets a Deny (403).

An allowed request is counted against the key's rate limits (lms.auth.rate_limits). A Lambda
authorizer can only allow or deny (403), so the verdict and the X-RateLimit-* headers travel in the
authorizer's context, and the route's resolver answers 429 (and adds the headers to every answer)
before any of the route's code runs (lms.api.resolver).
"""

from __future__ import annotations

from typing import Any

from lms import jsonutil
from lms.auth.api_keys import ApiKeyStore, CachedAuthenticator
from lms.auth.rate_limits import limiter_for
from lms.auth.roles import allows, required_role
from lms.config import get_settings
from lms.observability import logger, observed

_authenticator = CachedAuthenticator(ApiKeyStore, get_settings().auth_cache_ttl_seconds)


def presented_key(headers: dict[str, str] | None) -> str | None:
    lowered = {k.lower(): v for k, v in (headers or {}).items() if isinstance(v, str)}
    bearer = lowered.get("authorization", "").strip()
    if bearer[:7].lower() == "bearer " and bearer[7:].strip():
        return bearer[7:].strip()
    key = lowered.get("x-api-key", "").strip()
    return key or None


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
    key = presented_key(event.get("headers"))
    record = _authenticator.authenticate(key) if key else None
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
