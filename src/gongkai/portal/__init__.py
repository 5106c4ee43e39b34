"""The county filing portal (``gongkai serve``): every body files in a browser, the county
reviews and downloads. A second skin over the library — checks, labels, writers and the
batch are the library's; see README.md in this folder for the route map and form fields.

- :func:`create_app` — the ASGI application (Starlette), schema upgraded on creation
- :func:`serve` — run it with Uvicorn (what ``gongkai serve`` calls)
- :mod:`gongkai.portal.service` — the same work as Python functions for scripts
"""

from __future__ import annotations

from .app import Portal, Settings, create_app, open_portal
from .serving import database_url, seed_demo, serve

__all__ = ["Portal", "Settings", "create_app", "database_url", "open_portal", "seed_demo", "serve"]
