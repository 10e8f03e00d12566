"""Live coordination: the engine as a service that member nodes join (issue 11).

Modules: :mod:`~inkless.service.auth` (a node proves its member identity with its office-holder
key), :mod:`~inkless.service.streams` (each member's numbered stream and replay log),
:mod:`~inkless.service.live` (the engine on a fed picture, stepped live),
:mod:`~inkless.service.app` (FastAPI + uvicorn, the clock), :mod:`~inkless.service.node` (a
member node). The message schema is in ``docs/service.md``.
"""

from .app import Service, bind, serve
from .auth import Door, Refused, hello_message, read_public_keys
from .live import Session
from .node import NodeRefused, load_key, run_node
from .streams import Stream

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
