"""The in-process API pipeline (LocalApi) as a WSGI application, for tools that speak WSGI
(schemathesis drives it without a socket)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from devstack.gateway import LocalApi


def wsgi_app(api: LocalApi) -> Callable[[dict[str, Any], Callable], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").title(): [value] for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = [environ["CONTENT_TYPE"]]
        target = quote(environ.get("PATH_INFO") or "/")
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        status, out_headers, data = api.handle(environ["REQUEST_METHOD"], target, headers, body)
        start_response(f"{status} {HTTPStatus(status).phrase}", list(out_headers.items()))
        return [data]

    return app
