"""Imported by the fork server of the local Lambda environments: preloads their libraries once."""

from devstack.container import preload

preload()
