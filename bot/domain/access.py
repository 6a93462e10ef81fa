"""Who may do what in a cell: one role table (SPEC §2), the summoned set and the leaders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.cells import Cell, Kind, Membership, Role
from bot.domain.identity import User
from bot.domain.meetings import MeetingType


class Action(StrEnum):
    """Things done inside a cell, checked against the caller's role in that cell."""

    VIEW_MEMBERS = "view_members"
    MANAGE_MEMBERS = "manage_members"
    VIEW_MEETINGS = "view_meetings"
    MANAGE_MEETINGS = "manage_meetings"
    ANSWER_SUMMONS = "answer_summons"


LEADER_ROLES = frozenset({Role.SECRETARY, Role.DEPUTY})
# The cell committee (chi ủy): the leaders and the committee members; only they are summoned to
# a committee meeting.
COMMITTEE_ROLES = LEADER_ROLES | {Role.COMMITTEE}
# Kinds summoned to the cell's meetings: a visiting member attends here for a while.
SUMMONED_KINDS = frozenset({Kind.OFFICIAL, Kind.PROBATIONARY, Kind.VISITING})

# The role table: what an active member of each role may do in their own cell. Guests (e.g.
# from the superior committee) attend and speak: they see the meetings, nothing else.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.SECRETARY: frozenset(Action),
    Role.DEPUTY: frozenset(Action),
    Role.MEMBER: frozenset({Action.VIEW_MEMBERS, Action.VIEW_MEETINGS, Action.ANSWER_SUMMONS}),
    # SPEC §2: summoned to committee meetings; otherwise as an official member.
    Role.COMMITTEE: frozenset({Action.VIEW_MEMBERS, Action.VIEW_MEETINGS, Action.ANSWER_SUMMONS}),
    Role.GUEST: frozenset({Action.VIEW_MEETINGS}),
}
# Operators (ADMIN_IDS) see every cell; they never manage one they are not a leader of.
OPERATOR_ACTIONS = frozenset({Action.VIEW_MEMBERS, Action.VIEW_MEETINGS})
# What every ordinary member may do: refusing one of these means "you are not a member".
MEMBER_ACTIONS = ROLE_ACTIONS[Role.MEMBER]


@dataclass(frozen=True)
class Actor:
    """Who is acting, as seen from the cell the action touches."""

    user_id: int | None
    is_operator: bool
    membership: Membership | None

    def may(self, action: Action) -> bool:
        """Whether this actor may do the action in that cell."""
        return may(self, action)


def may(actor: Actor, action: Action) -> bool:
    """The role table of SPEC §2 for one cell."""
    membership = actor.membership
    if membership is not None and membership.active and action in ROLE_ACTIONS[membership.role]:
        return True
    return actor.is_operator and action in OPERATOR_ACTIONS


def is_summoned(membership: Membership, meeting_type: MeetingType | None = None) -> bool:
    """Summoned to the cell's meetings: active official, probationary or visiting members (not
    guests, not exempted, not those temporarily active in another cell); to a committee
    meeting, only those of them on the cell committee."""
    return (
        membership.active
        and membership.role is not Role.GUEST
        and membership.kind in SUMMONED_KINDS
        and (meeting_type is not MeetingType.COMMITTEE or membership.role in COMMITTEE_ROLES)
    )


def is_leader(membership: Membership) -> bool:
    """An active secretary or deputy secretary."""
    return membership.active and membership.role in LEADER_ROLES


def summoned(
    memberships: Iterable[Membership], meeting_type: MeetingType | None = None
) -> list[User]:
    """The users summoned to a cell's meetings (of that type), in roster order."""
    return [m.user for m in memberships if is_summoned(m, meeting_type)]


def outside_group(cell: Cell, users: Iterable[User]) -> list[User]:
    """Those who cannot read the cell's group (on another channel, or the cell has none):
    what is said in the group reaches them only privately."""
    return [u for u in users if not cell.sees_group(u)]


def leaders(memberships: Iterable[Membership]) -> list[User]:
    """The cell's secretary and deputies, who decide requests."""
    return [m.user for m in memberships if is_leader(m)]
