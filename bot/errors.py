"""Errors shown to the user: a gettext message id, its parameters and an example."""

from __future__ import annotations


class UserFacingError(Exception):
    """Base of errors rendered to the user in their language; nothing was written."""

    def __init__(self, message: str, /, *, example: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.example = example
        self.params = params


class BadInput(UserFacingError):
    """The arguments are wrong, missing or oversized."""


class Refused(UserFacingError):
    """The caller may not do this here."""


class NotFound(UserFacingError):
    """What the caller named does not exist (or is not theirs to see)."""


class Conflict(UserFacingError):
    """The action clashes with the current state (already done, already bound...)."""
