"""Cold start: what Lambda's init phase costs each handler, against a minimal handler.

Each measurement is a fresh Python process that imports a function's module and initialises it
as Lambda does (module code, the resolver, Powertools' Logger, Tracer and Metrics, the layer's
modules), timed from the first import to a callable handler; the interpreter's own start is the
same for every function and left out. The minimal handler imports only Powertools and boto3 and
builds a Logger, Tracer, Metrics and a resolver. Rounds are interleaved (every handler once per
round, minimal included, as many processes at once as the machine has cores), so load affects
all alike; each figure is the median of ROUNDS rounds.

The layer's modules are imported as Lambda has them: a copy compiled by the layer's own build step
(layers/shared/Makefile, `compile`), since Lambda cannot write bytecode caches in a read-only layer.

Targets (issue 27): the median handler within 1.15x of the minimal one, none above 1.35x.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tests.conftest import STACK

ROUNDS = 10
MEDIAN_RATIO_TARGET = 1.15
MAX_RATIO_TARGET = 1.35
ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import importlib.util, sys, time
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
assert callable(getattr(module, sys.argv[2]))
print(time.perf_counter() - started)
"""
MINIMAL = """
import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

logger, tracer, metrics = Logger(), Tracer(), Metrics()
app = APIGatewayRestResolver(enable_validation=True)


@app.get("/ping")
def ping():
    return {"ok": True}


def lambda_handler(event, context):
    return app.resolve(event, context)
"""


def compiled_layer(directory: Path) -> Path:
    """The layer's own modules, copied and compiled as `sam build` compiles them."""
    shutil.copytree(ROOT / "layers/shared/lms", directory / "lms", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-s",
            "-C",
            str(ROOT / "layers/shared"),
            "compile",
            f"SITE={directory}",
            f"PYTHON={sys.executable}",
        ],
        check=True,
    )
    return directory


def init_seconds(layer: Path, module_file: Path, handler: str) -> float:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(layer), str(module_file.parent)])}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(module_file), handler],
        env=env,
        cwd=module_file.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip().splitlines()[-1])


def test_cold_start_of_every_handler_against_a_minimal_one(benchmark, tmp_path):
    minimal = tmp_path / "minimal" / "app.py"
    minimal.parent.mkdir()
    minimal.write_text(MINIMAL)
    layer = compiled_layer(tmp_path / "layer")
    handlers = {"(minimal)": (minimal, "lambda_handler")}
    handlers.update({lid: (spec.module_file, spec.handler_name) for lid, spec in sorted(STACK.functions.items())})
    samples: dict[str, list[float]] = {name: [] for name in handlers}

    def measure_all() -> None:
        with (
            Progress(
                TextColumn(f"cold starts, {len(handlers)} handlers x {ROUNDS}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            ) as progress,
            ThreadPoolExecutor(os.cpu_count() or 2) as pool,
        ):
            task = progress.add_task("init", total=len(handlers) * ROUNDS)
            for _ in range(ROUNDS):
                names = list(handlers)
                for name, seconds in zip(
                    names, pool.map(lambda n: init_seconds(layer, *handlers[n]), names), strict=True
                ):
                    samples[name].append(seconds)
                    progress.advance(task)

    benchmark.pedantic(measure_all, rounds=1, iterations=1)
    medians = {name: statistics.median(values) * 1000 for name, values in samples.items()}
    floor = medians.pop("(minimal)")
    ratios = {name: ms / floor for name, ms in medians.items()}
    slowest = max(medians, key=medians.get)
    figures = {
        "rounds": ROUNDS,
        "minimalHandlerMs": round(floor, 1),
        "medianHandlerMs": round(statistics.median(medians.values()), 1),
        "slowestHandler": slowest,
        "slowestHandlerMs": round(medians[slowest], 1),
        "medianRatioToMinimal": round(statistics.median(ratios.values()), 2),
        "maxRatioToMinimal": round(max(ratios.values()), 2),
        "handlersMs": {name: round(ms, 1) for name, ms in sorted(medians.items())},
    }
    benchmark.extra_info.update(figures)
    print(f"\ncold start: { {k: v for k, v in figures.items() if k != 'handlersMs'} }")
    assert len(medians) == len(STACK.functions)
    assert figures["medianRatioToMinimal"] <= MEDIAN_RATIO_TARGET, figures
    assert figures["maxRatioToMinimal"] <= MAX_RATIO_TARGET, figures
