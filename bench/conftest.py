"""Benchmarks share the tests' environment and fixtures (moto with the template's resources)."""

from tests.conftest import STACK  # noqa: F401 - sets the functions' environment first

pytest_plugins = ["tests.support.fixtures"]
