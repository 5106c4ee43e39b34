"""The county filing portal (``gongkai serve``): every body files in a browser, the county
reviews and downloads. A second skin over the library — checks, labels, writers and the
batch are the library's; see README.md in this folder for the route map and form fields.

- :func:`create_app` — the ASGI application (Starlette), schema upgraded on creation
- :func:`serve` — run it with Uvicorn (what ``gongkai serve`` calls)
- :mod:`gongkai.portal.service` — the same work as Python functions for scripts (re-exported
  from the use-case modules: accounts, roster, uploads, versions, workflow, exports, queries)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .app import Portal, Settings, create_app, open_portal
    from .serving import database_url, seed_demo, serve

# Every gongkai command loads this package to register `gongkai serve`; the web stack
# (Starlette, SQLAlchemy, Alembic: ~0.6 s) is imported on first use instead, which a batch
# of a few hundred reports otherwise spends a third of its time on.
_LAZY = {name: ".app" for name in ("Portal", "Settings", "create_app", "open_portal")} | {
    name: ".serving" for name in ("database_url", "seed_demo", "serve")
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module, __name__), name)


__all__ = ["Portal", "Settings", "create_app", "database_url", "open_portal", "seed_demo", "serve"]
