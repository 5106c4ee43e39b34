"""Errors that end a command with a Chinese explanation instead of a traceback."""

from __future__ import annotations


class GongkaiError(Exception):
    """Base class: ``str(error)`` is a complete Chinese sentence for the user."""

    exit_code = 1


class UnreadableInputError(GongkaiError):
    """The input cannot be read as a report at all (exit code 2)."""

    exit_code = 2


class TemplateError(GongkaiError):
    """A custom Word template is broken or asks for data gongkai does not have."""

    exit_code = 2


class OutputError(GongkaiError):
    """The report could not be written where it was asked to go."""

    exit_code = 2
