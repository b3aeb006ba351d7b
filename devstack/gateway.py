"""A local API Gateway (REST API, Lambda proxy integration) for the routes of template.yaml.

Per request: match the route, run the REQUEST authorizer (401 if it raises "Unauthorized", 403 if
its policy does not allow the method ARN), turn the request into a proxy event, invoke the
route's function and return its response. Errors the gateway makes itself use the template's
gateway responses, as API Gateway would.
"""

from __future__ import annotations

import base64
import fnmatch
import json
import socket
import threading
import time
import traceback
import uuid
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from devstack.http_server import LocalHTTPServer
from devstack.lambdas import Breakpoint, FunctionError, Functions
from devstack.template import ACCOUNT, REGION, Route, Stack

API_ID = "local"
STAGE = "local"
MAX_BODY = 10 * 1024 * 1024
CONTROL_PREFIX = "/_local/"


def method_arn(method: str, path: str) -> str:
    return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{API_ID}/{STAGE}/{method}{path}"


def policy_allows(policy: dict[str, Any], arn: str) -> bool:
    """IAM evaluation for execute-api: an explicit Deny wins, otherwise an Allow must match."""
    allowed = False
    for statement in policy.get("Statement", []):
        resources = statement.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else resources
        if any(fnmatch.fnmatchcase(arn, pattern) for pattern in resources):
            if statement.get("Effect") == "Deny":
                return False
            if statement.get("Effect") == "Allow":
                allowed = True
    return allowed


class LocalApi:
    """API Gateway's request pipeline without the socket: tests drive it in-process."""

    def __init__(self, stack: Stack, functions: Functions):
        self.stack = stack
        self.functions = functions
        self.routes = sorted(stack.routes, key=lambda r: (r.path.count("{"), -len(r.path)))
        self.breakpoints: dict[str, Breakpoint] = {}

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """The route, its path parameters, and whether the path exists under another method."""
        path_known = False
        for route in self.routes:
            found = route.pattern.match(path)
            if found:
                path_known = True
                if route.method in (method, "ANY"):
                    return route, found.groupdict(), True
        return None, {}, path_known

    def gateway_response(self, response_type: str, status: int, message: str) -> tuple[int, dict, bytes]:
        spec = self.stack.gateway_responses.get(response_type)
        if spec is None:
            fallback = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
            spec = self.stack.gateway_responses.get(fallback, {})
        status = int(spec.get("StatusCode", status))
        template = spec.get("ResponseTemplates", {}).get("application/json")
        if template:
            body = template.replace("$context.error.messageString", json.dumps(message))
        else:
            body = json.dumps({"message": message})
        return status, {"Content-Type": "application/json"}, body.encode()

    def control(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> tuple[int, dict, bytes]:
        """The local stack's own controls (not part of the API): its environments and breakpoints.

        POST /_local/environments/recycle           stop every idle environment: the next calls start cold
        GET  /_local/environments                   environments per function
        POST /_local/breakpoints                    {"function": logical id, "target": "module:Class.method"}:
                                                    the function's next invocation pauses when it calls target
        GET  /_local/breakpoints/{id}?wait=seconds  {"reached": bool}, waiting up to `wait` seconds
        POST /_local/breakpoints/{id}/release       let the paused invocation go on
        """
        parts = path[len(CONTROL_PREFIX) :].strip("/").split("/")

        def reply(status: int, payload: Any) -> tuple[int, dict, bytes]:
            return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()

        try:
            if parts == ["environments"] and method == "GET":
                return reply(200, {"environments": self.functions.sizes()})
            if parts == ["environments", "recycle"] and method == "POST":
                return reply(200, {"stopped": self.functions.recycle()})
            if parts == ["breakpoints"] and method == "POST":
                spec = json.loads(body or b"{}")
                if spec.get("function") not in self.functions.pools or ":" not in str(spec.get("target", "")):
                    return reply(400, {"message": "give a function's logical id and a target module:qualname"})
                found = self.functions.breakpoint(spec["function"], spec["target"])
                self.breakpoints[found.token] = found
                return reply(201, {"id": found.token})
            if len(parts) >= 2 and parts[0] == "breakpoints" and parts[1] in self.breakpoints:
                found = self.breakpoints[parts[1]]
                if len(parts) == 2 and method == "GET":
                    wait = min(float(query.get("wait", ["0"])[-1]), 60.0)
                    return reply(200, {"reached": found.wait_reached(wait)})
                if parts[2:] == ["release"] and method == "POST":
                    found.release()
                    del self.breakpoints[found.token]
                    return reply(200, {"released": True})
        except ValueError as err:
            return reply(400, {"message": str(err)})
        return reply(404, {"message": "no such control"})

    def authorize(
        self,
        method: str,
        path: str,
        resource: str,
        path_params: dict[str, str],
        query: dict[str, list[str]],
        headers: dict[str, list[str]],
        request_id: str,
    ) -> tuple[tuple[int, dict, bytes] | None, dict[str, Any]]:
        """Run the REQUEST authorizer: (the gateway's refusal, None) or (None, its context)."""
        auth_event = {
            "type": "REQUEST",
            "methodArn": method_arn(method, path),
            "resource": resource,
            "path": path,
            "httpMethod": method,
            "headers": {k: v[-1] for k, v in headers.items()},
            "multiValueHeaders": headers,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": {"requestId": request_id, "stage": STAGE, "httpMethod": method},
        }
        try:
            result = self.functions.invoke(self.stack.authorizer, auth_event)
        except Exception as err:
            if str(err) == "Unauthorized":
                return self.gateway_response("UNAUTHORIZED", 401, "Unauthorized"), {}
            return self.gateway_response("AUTHORIZER_FAILURE", 500, "Authorizer error"), {}
        if not policy_allows(result.get("policyDocument", {}), method_arn(method, path)):
            return self.gateway_response("ACCESS_DENIED", 403, "User is not authorized to access this resource"), {}
        return None, {**(result.get("context") or {}), "principalId": result.get("principalId")}

    def handle(self, method: str, raw_path: str, headers: dict[str, list[str]], body: bytes):
        split = urlsplit(raw_path)
        path = split.path
        if path.startswith(CONTROL_PREFIX):
            # They pause and stop the stack's functions: the admin key's (lms.auth.roles), as the
            # authorizer decides for any route.
            if self.stack.authorizer:
                refused, _ = self.authorize(method, path, path, {}, {}, headers, str(uuid.uuid4()))
                if refused:
                    return refused
            return self.control(method, path, parse_qs(split.query), body)
        route, path_params, _ = self.match(method, path)
        if route is None:
            # API Gateway answers unknown routes (and unknown methods) with a missing-token 403,
            # which the template turns into 404.
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN", 404, "Missing Authentication Token")
        query = parse_qs(split.query, keep_blank_values=True)
        single_headers = {k: v[-1] for k, v in headers.items()}
        request_id = str(uuid.uuid4())
        authorizer_context: dict[str, Any] = {}
        if not route.public and self.stack.authorizer:
            refused, authorizer_context = self.authorize(
                method, path, route.path, path_params, query, headers, request_id
            )
            if refused:
                return refused
        try:
            text_body = body.decode("utf-8") if body else None
            encoded = False
        except UnicodeDecodeError:
            text_body, encoded = base64.b64encode(body).decode(), True
        event = {
            "resource": route.path,
            "path": path,
            "httpMethod": method,
            "headers": single_headers or None,
            "multiValueHeaders": headers or None,
            "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
            "multiValueQueryStringParameters": query or None,
            "pathParameters": path_params or None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": route.path,
                "httpMethod": method,
                "path": f"/{STAGE}{path}",
                "stage": STAGE,
                "requestId": request_id,
                "requestTimeEpoch": int(time.time() * 1000),
                "identity": {"sourceIp": "127.0.0.1", "userAgent": single_headers.get("User-Agent")},
                "authorizer": authorizer_context or None,
                "accountId": ACCOUNT,
                "apiId": API_ID,
            },
            "body": text_body,
            "isBase64Encoded": encoded,
        }
        try:
            result = self.functions.invoke(route.function, event)
        except FunctionError as err:
            # Lambda's error reaches API Gateway as a 502; its trace is in the function's log.
            print(err.trace or err, flush=True)
            return self.gateway_response("DEFAULT_5XX", 502, "Internal server error")
        except Exception:
            traceback.print_exc()
            return self.gateway_response("DEFAULT_5XX", 502, "Internal server error")
        out_headers = dict(result.get("headers") or {})
        for key, values in (result.get("multiValueHeaders") or {}).items():
            out_headers[key] = ", ".join(values)
        payload = result.get("body") or ""
        data = base64.b64decode(payload) if result.get("isBase64Encoded") else payload.encode()
        return int(result.get("statusCode", 200)), out_headers, data


class Gateway:
    """The HTTP server in front of a LocalApi."""

    def __init__(self, api: LocalApi, port: int):
        self.api = api
        self._server = LocalHTTPServer(("127.0.0.1", port), self._handler_class())
        self.port = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self):
        api = self.api

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "lms-local-gateway"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out as separate segments: without this each answer waits for
                # the client's delayed ACK (about 40 ms).
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *_args) -> None:  # keep the console for the stack's own output
                pass

            def _serve(self) -> None:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if length < 0:
                    # The body's end is unknown: answer, and read nothing more from this connection.
                    self.close_connection = True
                    status, headers, data = api.gateway_response("BAD_REQUEST_BODY", 400, "Invalid Content-Length")
                elif length > MAX_BODY:
                    status, headers, data = api.gateway_response("REQUEST_TOO_LARGE", 413, "Request body too large")
                else:
                    body = self.rfile.read(length) if length else b""
                    headers_multi: dict[str, list[str]] = {}
                    for key, value in self.headers.items():
                        headers_multi.setdefault(key, []).append(value)
                    status, headers, data = api.handle(self.command, self.path, headers_multi, body)
                self.send_response(status, HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "")
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve  # noqa: N815

        return Handler
