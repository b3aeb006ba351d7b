"""Runs the template's functions in this process, the way Lambda runs them in containers.

Each "container" is a fresh import of the function's module (its own resolver and globals);
a busy function gets another container, so concurrent requests really run concurrently.
"""

from __future__ import annotations

import importlib.util
import itertools
import queue
import threading
import time
import uuid
from types import ModuleType
from typing import Any

from devstack.template import ACCOUNT, REGION, FunctionSpec, Stack

MAX_CONTAINERS = 16


class LambdaContext:
    def __init__(self, spec: FunctionSpec):
        self.function_name = spec.logical_id
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{spec.logical_id}"
        self.memory_limit_in_mb = 512
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.logical_id}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + spec.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


_sequence = itertools.count()


class FunctionPool:
    def __init__(self, spec: FunctionSpec):
        self.spec = spec
        self._idle: queue.LifoQueue[ModuleType] = queue.LifoQueue()
        self._created = 0
        self._lock = threading.Lock()

    def _new_container(self) -> ModuleType:
        name = f"lambda_{self.spec.logical_id}_{next(_sequence)}"
        spec = importlib.util.spec_from_file_location(name, self.spec.module_file)
        if spec is None or spec.loader is None:
            raise ImportError(self.spec.module_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def _acquire(self) -> ModuleType:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = self._created < MAX_CONTAINERS
            if grow:
                self._created += 1
        return self._new_container() if grow else self._idle.get()

    def invoke(self, event: dict[str, Any]) -> Any:
        container = self._acquire()
        try:
            handler = getattr(container, self.spec.handler_name)
            return handler(event, LambdaContext(self.spec))
        finally:
            self._idle.put(container)

    def warm(self) -> None:
        self._idle.put(self._acquire())


class Functions:
    def __init__(self, stack: Stack):
        self.pools = {lid: FunctionPool(spec) for lid, spec in stack.functions.items()}

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        return self.pools[logical_id].invoke(event)

    def warm(self, logical_ids) -> None:
        for lid in logical_ids:
            self.pools[lid].warm()


def environment_of(stack: Stack) -> dict[str, str]:
    """One process, one environment: the union of every function's variables (they must agree)."""
    merged: dict[str, str] = {}
    for spec in stack.functions.values():
        for key, value in spec.environment.items():
            if key in merged and merged[key] != value:
                raise ValueError(f"functions disagree on {key}: {merged[key]!r} vs {value!r}")
            merged[key] = value
    return merged
