"""The refusals a portal user sees: raised by every use case, turned into pages by the app."""

from __future__ import annotations

from ..errors import GongkaiError


class PortalError(GongkaiError):
    """A refusal the user sees (in Chinese); nothing was changed."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class NotFound(PortalError):
    """Also what a user gets for what is not theirs: nobody learns what exists elsewhere."""

    def __init__(self) -> None:
        super().__init__("找不到该页面或文件。", 404)
