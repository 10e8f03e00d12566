"""Live coordination: the engine as a service that member nodes join (issue 11).

Modules: :mod:`~inkless.service.auth` (a node proves its member identity with its office-holder
key), :mod:`~inkless.service.streams` (each member's numbered stream and replay log),
:mod:`~inkless.service.live` (the engine on a fed picture, stepped live),
:mod:`~inkless.service.app` (FastAPI + uvicorn, the clock), :mod:`~inkless.service.node` (a
member node). The message schema is in ``docs/service.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Service, bind, serve
    from .auth import Door, Refused, hello_message, read_public_keys
    from .live import Session
    from .node import NodeRefused, load_key, run_node
    from .streams import Stream

#: The module of each name: imported when the name is first used, so that ``inkless node``
#: loads the node's module only, not the engine and the web server (seconds of start-up).
_HOME = {"Service": "app", "bind": "app", "serve": "app", "Door": "auth", "Refused": "auth",
         "hello_message": "auth", "read_public_keys": "auth", "Session": "live",
         "NodeRefused": "node", "load_key": "node", "run_node": "node", "Stream": "streams"}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_HOME[name]}", __name__), name)


__all__ = [
    "Door",
    "NodeRefused",
    "Refused",
    "Service",
    "Session",
    "Stream",
    "bind",
    "hello_message",
    "load_key",
    "read_public_keys",
    "run_node",
    "serve",
]
