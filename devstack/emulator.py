"""moto's server on 127.0.0.1, and every table, queue, secret and parameter of template.yaml created in it.

DynamoDB guarantees that conditional writes to one item are serialized; moto's in-memory backend
does not lock, so requests are serialized here to keep conditional writes linearizable.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

import boto3
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server

from devstack.template import REGION, Stack, queue_name


class _QuietHandler(MotoRequestHandler):
    def log_request(self, *_args) -> None:
        pass


class _Serialized:
    def __init__(self, app):
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        with self._lock:
            return list(self._app(environ, start_response))


class Emulator:
    def __init__(self, port: int):
        self.port = port
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        app = _Serialized(DomainDispatcherApplication(create_backend_app))
        self._server = make_server("127.0.0.1", self.port, app, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
        if self._thread:
            self._thread.join(timeout=5)


def _client(service: str, endpoint: str | None):
    return boto3.client(service, region_name=REGION, endpoint_url=endpoint)


def provision(stack: Stack, endpoint: str | None = None) -> dict[str, Any]:
    """Create the template's data resources; returns stream ARNs by table logical id."""
    dynamodb = _client("dynamodb", endpoint)
    streams: dict[str, str] = {}
    for lid, resource in stack.of_type("AWS::DynamoDB::Table").items():
        props = stack.resolve(resource["Properties"])
        kwargs: dict[str, Any] = {
            "TableName": lid,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            kwargs["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("StreamSpecification"):
            kwargs["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
        description = dynamodb.create_table(**kwargs)["TableDescription"]
        if description.get("LatestStreamArn"):
            streams[lid] = description["LatestStreamArn"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=lid, TimeToLiveSpecification=ttl)

    sqs = _client("sqs", endpoint)
    queues = stack.of_type("AWS::SQS::Queue")
    # Dead-letter queues first: a redrive policy names its target by ARN.
    ordered = sorted(queues.items(), key=lambda kv: "RedrivePolicy" in kv[1].get("Properties", {}))
    for lid, resource in ordered:
        props = stack.resolve(resource.get("Properties", {}))
        attributes = {}
        for key in ("FifoQueue", "ContentBasedDeduplication", "VisibilityTimeout", "MessageRetentionPeriod"):
            if key in props:
                value = props[key]
                attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        sqs.create_queue(QueueName=queue_name(lid, bool(props.get("FifoQueue"))), Attributes=attributes)

    secrets = _client("secretsmanager", endpoint)
    for lid, resource in stack.of_type("AWS::SecretsManager::Secret").items():
        props = stack.resolve(resource.get("Properties", {}))
        secrets.create_secret(Name=lid, SecretString=props.get("SecretString", "local-placeholder"))

    ssm = _client("ssm", endpoint)
    for lid, resource in stack.of_type("AWS::SSM::Parameter").items():
        props = stack.resolve(resource["Properties"])
        ssm.put_parameter(Name=props.get("Name", f"/lms/{lid}"), Value=str(props["Value"]), Type=props["Type"])
    return streams
