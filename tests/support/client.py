"""Drive the API in-process through the local API Gateway pipeline (authorizer included)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from devstack.gateway import LocalApi


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw, parse_float=Decimal)

    def __repr__(self) -> str:
        return f"Reply({self.status}, {self.raw[:500]!r})"


class ApiClient:
    def __init__(self, api: LocalApi, key: str | None, header: str = "bearer"):
        self.api = api
        self.key = key
        self.header = header

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        query: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        data = self._body(body, raw)
        all_headers = {name: [value] for name, value in self._headers(data, headers).items()}
        target = path + ("?" + urlencode(query) if query else "")
        status, out_headers, payload = self.api.handle(method, target, all_headers, data)
        return Reply(status, out_headers, payload)

    @staticmethod
    def _body(body: Any, raw: bytes | None) -> bytes:
        if raw is not None:
            return raw
        return json.dumps(body, default=str).encode() if body is not None else b""

    def _headers(self, data: bytes, extra: dict[str, str] | None) -> dict[str, str]:
        """The request's headers: JSON, the key the way this client presents it, then `extra`."""
        headers = {"Accept": "application/json"}
        if self.key:
            if self.header == "bearer":
                headers["Authorization"] = f"Bearer {self.key}"
            else:
                headers["X-API-Key"] = self.key
        if data:
            headers["Content-Type"] = "application/json"
        return {**headers, **(extra or {})}

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs) -> Reply:
        return self.request("POST", path, body, **kwargs)

    def delete(self, path: str, **kwargs) -> Reply:
        return self.request("DELETE", path, **kwargs)


class HttpClient(ApiClient):
    """The same calls over HTTP, against a running local stack (or any deployment)."""

    def __init__(self, base_url: str, key: str | None, header: str = "bearer"):
        import requests

        self.base_url = base_url.rstrip("/")
        self.key = key
        self.header = header
        self._session = requests.Session()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        query: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        data = self._body(body, raw)
        all_headers = self._headers(data, headers)
        reply = self._session.request(
            method, self.base_url + path, params=query, data=data or None, headers=all_headers, timeout=60
        )
        return Reply(reply.status_code, dict(reply.headers), reply.content)
