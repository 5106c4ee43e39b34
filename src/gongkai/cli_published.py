"""CLI commands for published reports (gongkai audit, gongkai import)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the published-report commands to ``app`` (none yet)."""
