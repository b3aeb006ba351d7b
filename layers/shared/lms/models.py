"""The base of the layer's own pydantic models (records, aggregates, value types).

Cold start (bench/test_bench_cold_start.py): the layer defines some forty models and a function
uses a handful, so each builds its validator and serializer when it is first used, not when its
module is imported. A model a request uses is built during that first request instead (about 0.2 to
2.5 ms each, the whole set about 20 ms), and a model a function never uses is never built.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LmsModel(BaseModel):
    model_config = ConfigDict(defer_build=True)
