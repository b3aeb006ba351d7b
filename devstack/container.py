"""One Lambda execution environment: a process that loads one function and runs one invocation at a time.

Lambda runs concurrent invocations of a function in separate environments that share nothing but
the AWS services they call. Locally each environment is a process forked from a server that has
already imported the heavy libraries, so it starts in a fraction of a second, and everything a
function keeps in memory is its own: Powertools' resolver (which holds the current request on a
class attribute), Logger keys, Metrics buffers, the shared layer's clients and caches.

The parent (`devstack.lambdas`) talks to an environment over a pipe, with JSON payloads as Lambda's
runtime API does:
    parent -> ("invoke", event_json, context)   child -> ("result", json) | ("error", {...})
    parent -> ("pause", token, target)           arms a one-shot breakpoint on `module:qualname`;
                                                 when it is hit: child -> ("paused", token),
                                                 parent -> ("resume", token)
    parent -> ("stop",)
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import os
import pkgutil
import signal
import sys
import time
import traceback
from typing import Any

# Imported once in the fork server, so that every environment starts with them loaded: the
# libraries, and every module of the shared layer (which reads its configuration when first used,
# not when imported, so each environment still applies its own variables). After the fork each
# environment has its own copy of all of it: nothing loaded here is shared at run time.
PRELOAD = (
    "boto3",
    "botocore",
    "pydantic",
    "simplejson",
    "aws_lambda_powertools",
    "aws_lambda_powertools.event_handler",
    "aws_lambda_powertools.event_handler.openapi.models",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.data_classes",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.typing",
)
SERVICES = ("dynamodb", "dynamodbstreams", "sqs", "secretsmanager", "ssm")


def preload() -> None:
    """Run in the fork server: import libraries and load the AWS service models once."""
    for name in PRELOAD:
        importlib.import_module(name)
    import lms

    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        importlib.import_module(module.name)
    import boto3

    for service in SERVICES:
        # Creating a client reads its service model into the default session's loader cache; no
        # request is made, so no connection is inherited by the forked environments.
        boto3.client(service, region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"))


class LambdaContext:
    """The context object Lambda passes to a handler."""

    def __init__(self, function_name: str, request_id: str, timeout: float, memory: int):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.memory_limit_in_mb = memory
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(module_file: str, handler_name: str, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, module_file)
    if spec is None or spec.loader is None:
        raise ImportError(module_file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return getattr(module, handler_name)


def _resolve(target: str) -> tuple[Any, str]:
    """`package.module:Class.method` -> (the object holding the attribute, the attribute's name)."""
    module_name, _, path = target.partition(":")
    owner: Any = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for part in parents:
        owner = getattr(owner, part)
    return owner, name


def arm_breakpoint(conn, token: str, target: str) -> None:
    """Make the next call of `target` in this environment stop until the parent resumes it."""
    owner, name = _resolve(target)
    original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)

    @functools.wraps(original)
    def paused(*args, **kwargs):
        setattr(owner, name, original)  # one shot
        conn.send(("paused", token))
        while True:
            message = conn.recv()
            if message == ("resume", token):
                break
        return original(*args, **kwargs)

    setattr(owner, name, paused)


def serve(conn, module_file: str, handler_name: str, env: dict[str, str], function_name: str, memory: int) -> None:
    """The environment's main loop: load the function, then answer invocations until told to stop."""
    # Ctrl-C reaches the whole process group; the parent decides when environments stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Lambda ships each line to its log as it is written; a pipe would otherwise buffer whole blocks.
    sys.stdout.reconfigure(line_buffering=True)
    sys.stderr.reconfigure(line_buffering=True)
    os.environ.clear()
    os.environ.update(env)
    # Names the function in the User-Agent of its AWS calls, so the emulator's meter can say who
    # made each request (devstack.metering).
    os.environ["AWS_SDK_UA_APP_ID"] = function_name
    try:
        handler = load_handler(module_file, handler_name, f"lambda_{function_name}")
    except BaseException:
        conn.send(("init-error", traceback.format_exc()))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the parent is gone
        kind = message[0]
        if kind == "stop":
            return
        if kind == "pause":
            arm_breakpoint(conn, message[1], message[2])
            continue
        if kind != "invoke":
            continue
        event, context = json.loads(message[1]), message[2]
        try:
            result = handler(event, LambdaContext(function_name, context["requestId"], context["timeout"], memory))
            reply = ("result", json.dumps(result))
        except Exception as err:  # what Lambda reports as the invocation's error
            reply = ("error", {"type": type(err).__name__, "message": str(err), "trace": traceback.format_exc()})
        conn.send(reply)
