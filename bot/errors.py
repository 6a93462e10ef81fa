"""Errors shown to the user: a gettext message id, its parameters and the right form."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Usage(StrEnum):
    """A command form an error points to; each channel shows it in its own words."""

    SETUP = "setup"
    NEWCELL = "newcell"
    NAME = "name"
    INVITE = "invite"
    KIND = "kind"
    ROLE = "role"
    REMOVE = "remove"
    MEMBERS = "members"
    MEETINGS = "meetings"
    SCHEDULE = "schedule"
    MOVE = "move"
    AGENDA = "agenda"
    REMINDERS = "reminders"
    LANG = "lang"
    CONNECT = "connect"


class UserFacingError(Exception):
    """Base of errors rendered to the user in their language; nothing was written.

    ``example`` is a value in its right form (a date, a link); ``usage`` names the command
    form, filled by the channel with ``usage_params`` (e.g. the meeting's number)."""

    def __init__(
        self,
        message: str,
        /,
        *,
        example: str | None = None,
        usage: Usage | None = None,
        usage_params: Mapping[str, object] | None = None,
        **params: object,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.example = example
        self.usage = usage
        self.usage_params = dict(usage_params or {})
        self.params = params


class BadInput(UserFacingError):
    """The arguments are wrong, missing or oversized."""


class Refused(UserFacingError):
    """The caller may not do this here."""


class NotFound(UserFacingError):
    """What the caller named does not exist (or is not theirs to see)."""


class Conflict(UserFacingError):
    """The action clashes with the current state (already done, already bound...)."""
