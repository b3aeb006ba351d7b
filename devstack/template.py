"""Reads template.yaml (with cfn-lint's decoder, which understands !Ref/!GetAtt/!Sub) into a model
of what the local stack must provide: tables, queues, secrets, parameters, functions and routes.

Locally every resource's physical name is its logical id, so `!Ref CoreTable` is "CoreTable".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode_str

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"
REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Route:
    method: str  # upper case
    path: str  # API Gateway template, e.g. /v1/loans/{id}/approve
    function: str  # logical id
    public: bool

    @property
    def pattern(self) -> re.Pattern:
        regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\+\\\}", r"(?P<\1>.+)", re.escape(self.path))
        regex = re.sub(r"\\\{([A-Za-z0-9_]+)\\\}", r"(?P<\1>[^/]+)", regex)
        return re.compile(f"^{regex}$")


@dataclass
class EventSource:
    kind: str  # Api, SQS, DynamoDB, Schedule
    properties: dict[str, Any]


@dataclass
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    events: list[EventSource] = field(default_factory=list)
    timeout: int = 15

    @property
    def module_file(self) -> Path:
        return self.code_dir / (self.handler.rsplit(".", 1)[0] + ".py")

    @property
    def handler_name(self) -> str:
        return self.handler.rsplit(".", 1)[1]


@dataclass
class Stack:
    resources: dict[str, dict[str, Any]]
    parameters: dict[str, str]
    functions: dict[str, FunctionSpec]
    routes: list[Route]
    authorizer: str | None
    gateway_responses: dict[str, dict[str, Any]]

    def of_type(self, cfn_type: str) -> dict[str, dict[str, Any]]:
        return {lid: r for lid, r in self.resources.items() if r.get("Type") == cfn_type}

    def resolve(self, value: Any) -> Any:
        return _Resolver(self).resolve(value)

    def functions_with(self, kind: str) -> list[tuple[FunctionSpec, EventSource]]:
        return [(fn, ev) for fn in self.functions.values() for ev in fn.events if ev.kind == kind]


class _Resolver:
    def __init__(self, stack: Stack):
        self.stack = stack

    def ref(self, name: str) -> str:
        if name in self.stack.parameters:
            return self.stack.parameters[name]
        if name == "AWS::Region":
            return REGION
        if name == "AWS::AccountId":
            return ACCOUNT
        if name == "AWS::StackName":
            return "lms-local"
        resource = self.stack.resources.get(name)
        if resource is None:
            raise KeyError(f"!Ref {name}: no such parameter or resource")
        kind = resource["Type"]
        if kind == "AWS::SQS::Queue":
            return queue_url(name)
        if kind == "AWS::SecretsManager::Secret":
            return name  # Secrets Manager takes a name wherever it takes an ARN
        return name

    def get_att(self, name: str, attribute: str) -> str:
        kind = self.stack.resources[name]["Type"]
        if kind == "AWS::SQS::Queue":
            return {"Arn": queue_arn(name), "QueueName": queue_name(name), "QueueUrl": queue_url(name)}[attribute]
        if kind == "AWS::DynamoDB::Table":
            table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
            return {"Arn": table_arn, "StreamArn": f"{table_arn}/stream/local"}[attribute]
        if kind == "AWS::Serverless::Function":
            return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        return f"arn:aws:local:{REGION}:{ACCOUNT}:{name}/{attribute}"

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Ref"}:
                return self.ref(value["Ref"])
            if set(value) == {"Fn::GetAtt"}:
                target = value["Fn::GetAtt"]
                name, attribute = target if isinstance(target, list) else target.split(".", 1)
                return self.get_att(name, attribute)
            if set(value) == {"Fn::Sub"}:
                text = value["Fn::Sub"]
                extra: dict[str, Any] = {}
                if isinstance(text, list):
                    text, extra = text[0], {k: self.resolve(v) for k, v in text[1].items()}

                def substitute(match: re.Match) -> str:
                    token = match.group(1)
                    if token in extra:
                        return str(extra[token])
                    if "." in token:
                        return self.get_att(*token.split(".", 1))
                    return self.ref(token)

                return re.sub(r"\$\{([^}!]+)\}", substitute, text)
            if set(value) == {"Fn::Join"}:
                sep, parts = value["Fn::Join"]
                return sep.join(str(self.resolve(p)) for p in parts)
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value


def queue_name(logical_id: str, fifo: bool | None = None) -> str:
    return logical_id + (".fifo" if fifo else "")


_QUEUE_NAMES: dict[str, str] = {}


def queue_url(logical_id: str) -> str:
    from devstack.config import endpoint_url

    return f"{endpoint_url()}/{ACCOUNT}/{_QUEUE_NAMES.get(logical_id, logical_id)}"


def queue_arn(logical_id: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{_QUEUE_NAMES.get(logical_id, logical_id)}"


def load_stack(path: Path = TEMPLATE_PATH, overrides: dict[str, str] | None = None) -> Stack:
    template, problems = decode_str(path.read_text(encoding="utf-8"))
    if problems:
        raise ValueError(f"{path}: {problems}")
    resources = {k: dict(v) for k, v in template.get("Resources", {}).items()}
    parameters = {k: str(v.get("Default", "")) for k, v in template.get("Parameters", {}).items()}
    parameters.update(overrides or {})
    for lid, resource in resources.items():
        if resource["Type"] == "AWS::SQS::Queue":
            _QUEUE_NAMES[lid] = queue_name(lid, bool(resource.get("Properties", {}).get("FifoQueue")))
    stack = Stack(resources, parameters, {}, [], None, {})
    globals_fn = template.get("Globals", {}).get("Function", {})
    global_env = globals_fn.get("Environment", {}).get("Variables", {})
    for lid, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        env = {**global_env, **props.get("Environment", {}).get("Variables", {})}
        events = [EventSource(e["Type"], dict(e.get("Properties", {}))) for e in props.get("Events", {}).values()]
        stack.functions[lid] = FunctionSpec(
            logical_id=lid,
            code_dir=(path.parent / props["CodeUri"]).resolve(),
            handler=props.get("Handler", globals_fn.get("Handler")),
            environment={k: str(stack.resolve(v)) for k, v in env.items()},
            events=events,
            timeout=int(props.get("Timeout", globals_fn.get("Timeout", 15))),
        )
        for event in events:
            if event.kind == "Api":
                auth = event.properties.get("Auth", {})
                stack.routes.append(
                    Route(
                        method=event.properties["Method"].upper(),
                        path=event.properties["Path"],
                        function=lid,
                        public=auth.get("Authorizer") == "NONE",
                    )
                )
    for resource in resources.values():
        if resource["Type"] == "AWS::Serverless::Api":
            authorizers = resource["Properties"].get("Auth", {}).get("Authorizers", {})
            default = resource["Properties"].get("Auth", {}).get("DefaultAuthorizer")
            if default:
                function_arn = authorizers[default]["FunctionArn"]
                stack.authorizer = (
                    function_arn["Fn::GetAtt"][0]
                    if isinstance(function_arn["Fn::GetAtt"], list)
                    else function_arn["Fn::GetAtt"].split(".")[0]
                )
        if resource["Type"] == "AWS::ApiGateway::GatewayResponse":
            props = resource["Properties"]
            stack.gateway_responses[props["ResponseType"]] = props
    return stack
