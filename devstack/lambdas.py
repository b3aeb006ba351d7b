"""Runs the template's functions the way Lambda does: each execution environment handles one
invocation at a time, a busy function gets another environment, and environments share nothing.

Two kinds of environment:

- `ProcessContainer` (the default, and what `make run` uses): an OS process forked from a server
  that preloaded the libraries (`devstack.container`). Concurrent invocations really run in
  parallel, each with its own Powertools resolver, Logger, Metrics and module state, as on Lambda.
- `InlineContainer` (the in-process test harness): the function's module imported afresh into
  this process. It shares every other module with the rest of the process (Powertools keeps the
  current request on a class attribute, Metrics buffers are class-level), so inline environments
  must never run two invocations at once: the pool refuses a concurrent invocation outright
  rather than let one request read another's event. Concurrency is tested with process
  environments.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import json
import multiprocessing
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from devstack import container as runtime
from devstack.template import ROOT, FunctionSpec, Stack

MAX_CONTAINERS = 16  # per function, like a reserved concurrency
KEEP_IDLE = 2  # warm environments kept per function once a burst is over
MEMORY_MB = 512
START_TIMEOUT = 60


class FunctionError(Exception):
    """The invocation failed: the handler raised (Lambda's "Unhandled" error), timed out or crashed."""

    def __init__(self, message: str, error_type: str = "Unhandled", trace: str = ""):
        super().__init__(message)
        self.error_type = error_type
        self.trace = trace


class ConcurrentInlineInvocation(RuntimeError):
    """Two invocations at once on inline environments, which share this process's module state."""


# ------------------------------------------------------------------------------ breakpoints
@dataclass
class Breakpoint:
    """A one-shot pause inside the next invocation of one function, at a named callable."""

    function: str
    target: str  # "package.module:Class.method"
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    reached: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)

    def wait_reached(self, timeout: float = 30) -> bool:
        return self.reached.wait(timeout)

    def release(self) -> None:
        self.released.set()


# ------------------------------------------------------------------------------ process environments
_server_lock = threading.Lock()
_server: dict[str, Any] = {}


def _forkserver() -> Any:
    """The fork server, started once per process with the libraries preloaded."""
    with _server_lock:
        if "context" not in _server:
            # Python 3.11's fork server ignores the parent's sys.path: it finds our modules through
            # PYTHONPATH, as `make` sets it.
            paths = [str(ROOT / "layers" / "shared"), str(ROOT)]
            current = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
            os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([*paths, *current]))
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["devstack.preload"])
            _server["context"] = context
        return _server["context"]


_names = itertools.count()


class ProcessContainer:
    """One environment in its own process; `invoke` is called by one thread at a time."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str]):
        self.spec = spec
        context = _forkserver()
        self._conn, child = context.Pipe()
        self.process = context.Process(
            target=runtime.serve,
            # Plain str: the template's strings are cfn-lint node subclasses, which do not pickle.
            args=(child, str(spec.module_file), str(spec.handler_name), env, str(spec.logical_id), MEMORY_MB),
            name=f"{spec.logical_id}-{next(_names)}",
            daemon=True,
        )
        self.process.start()
        child.close()
        if not self._conn.poll(START_TIMEOUT):
            self.stop()
            raise FunctionError(f"{spec.logical_id}: the environment did not start", "Runtime.InitTimeout")
        kind, detail = self._conn.recv()
        if kind != "ready":
            self.stop()
            raise FunctionError(f"{spec.logical_id} failed to initialise:\n{detail}", "Runtime.InitError")
        self.alive = True

    def invoke(self, event: dict[str, Any], breakpoint_: Breakpoint | None = None) -> Any:
        if breakpoint_ is not None:
            self._conn.send(("pause", breakpoint_.token, breakpoint_.target))
        request = {"requestId": str(uuid.uuid4()), "timeout": self.spec.timeout}
        self._conn.send(("invoke", json.dumps(event), request))
        deadline = time.monotonic() + self.spec.timeout
        while True:
            if not self._conn.poll(max(0.0, deadline - time.monotonic())):
                # Lambda stops an invocation at its timeout and discards the environment.
                self.stop()
                raise FunctionError(f"Task timed out after {self.spec.timeout} seconds", "Sandbox.Timedout")
            try:
                kind, detail = self._conn.recv()
            except (EOFError, OSError):
                self.stop()
                raise FunctionError(f"{self.spec.logical_id}: the environment exited", "Runtime.ExitError") from None
            if kind == "paused" and breakpoint_ is not None and detail == breakpoint_.token:
                breakpoint_.reached.set()
                breakpoint_.released.wait()
                deadline = time.monotonic() + self.spec.timeout  # time spent paused does not count
                self._conn.send(("resume", detail))
            elif kind == "result":
                return json.loads(detail)
            elif kind == "error":
                raise FunctionError(detail["message"], detail["type"], detail["trace"])

    def signal_stop(self) -> None:
        """Ask the environment to exit, without waiting (so a whole stack's stop in parallel)."""
        self.alive = False
        with contextlib.suppress(OSError, ValueError):
            self._conn.send(("stop",))

    def stop(self, deadline: float | None = None) -> None:
        self.signal_stop()
        deadline = deadline if deadline is not None else time.monotonic() + 2
        self.process.join(timeout=max(0.0, deadline - time.monotonic()))
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=2)
        with contextlib.suppress(OSError):
            self._conn.close()


# ------------------------------------------------------------------------------ inline environments
_inline_guard = threading.Lock()


class InlineContainer:
    """The function's module imported afresh into this process (see the module docstring)."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str]):
        self.spec = spec
        module_name = f"lambda_{spec.logical_id}_{next(_names)}"
        module_spec = importlib.util.spec_from_file_location(module_name, spec.module_file)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(spec.module_file)
        self.module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(self.module)
        self.alive = True

    def invoke(self, event: dict[str, Any], breakpoint_: Breakpoint | None = None) -> Any:
        if breakpoint_ is not None:
            raise ValueError("breakpoints pause one environment while others run: use process environments")
        if not _inline_guard.acquire(blocking=False):
            raise ConcurrentInlineInvocation(
                "inline environments share this process's module state (Powertools keeps the current "
                "request on a class attribute), so they run one invocation at a time: test concurrency "
                "with process environments (Functions(stack), as `make run` does)"
            )
        try:
            handler = getattr(self.module, self.spec.handler_name)
            context = runtime.LambdaContext(self.spec.logical_id, str(uuid.uuid4()), self.spec.timeout, MEMORY_MB)
            # Round-trip through JSON, as Lambda's runtime does, so that a result only Python can
            # read fails here as it would there.
            return json.loads(json.dumps(handler(json.loads(json.dumps(event)), context)))
        except Exception as err:
            if isinstance(err, FunctionError):
                raise
            raise FunctionError(str(err), type(err).__name__) from err
        finally:
            _inline_guard.release()

    def signal_stop(self) -> None:
        self.alive = False

    def stop(self, deadline: float | None = None) -> None:
        self.alive = False


# ------------------------------------------------------------------------------ pools
STOP_GRACE_SECONDS = 5


def stop_all(containers: list) -> None:
    """Stop environments together: all are told first, then all share one grace period, so a
    stack with dozens of environments stops in seconds even on a loaded machine."""
    for container in containers:
        container.signal_stop()
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for container in containers:
        container.stop(deadline)


class FunctionPool:
    def __init__(self, spec: FunctionSpec, kind: type, env: dict[str, str] | None):
        self.spec = spec
        self.kind = kind
        self.env = env
        self._idle: queue.LifoQueue = queue.LifoQueue()
        self._all: list = []
        self._lock = threading.Lock()
        self._armed: list[Breakpoint] = []

    def _environment(self) -> dict[str, str]:
        # Read when an environment starts, as Lambda reads a function's configuration.
        return {str(k): str(v) for k, v in (self.env if self.env is not None else os.environ).items()}

    def _acquire(self):
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            grow = len(self._all) < MAX_CONTAINERS
            if grow:
                placeholder = object()
                self._all.append(placeholder)
        if not grow:
            return self._idle.get()
        try:
            made = self.kind(self.spec, self._environment())
        except BaseException:
            with self._lock:
                self._all.remove(placeholder)
            raise
        with self._lock:
            self._all[self._all.index(placeholder)] = made
        return made

    def _release(self, container) -> None:
        with self._lock:
            if not container.alive:
                self._all.remove(container)
                return
            surplus = self._idle.qsize() >= KEEP_IDLE
            if surplus:
                self._all.remove(container)
        if surplus:
            container.stop()
        else:
            self._idle.put(container)

    def invoke(self, event: dict[str, Any]) -> Any:
        with self._lock:
            armed = self._armed.pop(0) if self._armed else None
        container = self._acquire()
        try:
            return container.invoke(event, armed)
        finally:
            self._release(container)

    def arm(self, breakpoint_: Breakpoint) -> None:
        with self._lock:
            self._armed.append(breakpoint_)

    def take_all(self) -> list:
        """Every environment of the pool, which forgets them (to be stopped by the caller)."""
        with self._lock:
            containers, self._all = list(self._all), []
        while not self._idle.empty():
            self._idle.get_nowait()
        return containers

    def close(self) -> None:
        stop_all(self.take_all())

    @property
    def size(self) -> int:
        return len(self._all)


class Functions:
    """Every function of the stack, each with its pool of environments."""

    def __init__(self, stack: Stack, *, inline: bool = False, env: dict[str, str] | None = None):
        kind = InlineContainer if inline else ProcessContainer
        self.pools = {lid: FunctionPool(spec, kind, env) for lid, spec in stack.functions.items()}

    def invoke(self, logical_id: str, event: dict[str, Any]) -> Any:
        return self.pools[logical_id].invoke(event)

    def warm(self, logical_ids) -> None:
        for lid in logical_ids:
            pool = self.pools[lid]
            pool._release(pool._acquire())

    def breakpoint(self, logical_id: str, target: str) -> Breakpoint:
        """Pause the next invocation of `logical_id` when it calls `target` (a forced interleaving)."""
        found = Breakpoint(logical_id, target)
        self.pools[logical_id].arm(found)
        return found

    def recycle(self) -> int:
        """Discard every idle environment, so the next invocations start cold."""
        stopped = 0
        for pool in self.pools.values():
            while True:
                try:
                    container = pool._idle.get_nowait()
                except queue.Empty:
                    break
                with pool._lock:
                    pool._all.remove(container)
                container.stop()
                stopped += 1
        return stopped

    def sizes(self) -> dict[str, int]:
        return {lid: pool.size for lid, pool in self.pools.items() if pool.size}

    def close(self) -> None:
        stop_all([container for pool in self.pools.values() for container in pool.take_all()])

    @contextlib.contextmanager
    def running(self) -> Iterator[Functions]:
        try:
            yield self
        finally:
            self.close()


def environment_of(stack: Stack) -> dict[str, str]:
    """One process, one environment: the union of every function's variables (they must agree)."""
    merged: dict[str, str] = {}
    for spec in stack.functions.values():
        for key, value in spec.environment.items():
            if key in merged and merged[key] != value:
                raise ValueError(f"functions disagree on {key}: {merged[key]!r} vs {value!r}")
            merged[key] = value
    return merged
