"""The domain's rules, without channel or store: summons, leaders, the role table, reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.access import (
    OPERATOR_ACTIONS,
    ROLE_ACTIONS,
    Action,
    Actor,
    is_leader,
    is_summoned,
    leaders,
    summoned,
)
from bot.domain.cells import Kind, Membership, Role, SetupCode, Status
from bot.domain.dialogs import DIALOG_TTL, Dialog
from bot.domain.identity import Identity, User
from bot.domain.meetings import Meeting, MeetingStatus, MeetingType
from bot.domain.reminders import (
    START_GRACE,
    Reminder,
    ReminderStatus,
    Verdict,
    reminder_times,
    verdict,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def user(n: int) -> User:
    return User(n, "telegram", str(n), f"User {n}", None, None, None, None, str(n), True)


def membership(
    n: int, kind: Kind = Kind.OFFICIAL, role: Role = Role.MEMBER, status: Status = Status.ACTIVE
) -> Membership:
    return Membership(n, 1, user(n), n, status, kind, role, "join", NOW, NOW)


# --- who is summoned ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "role", "status", "expected"),
    [
        (Kind.OFFICIAL, Role.MEMBER, Status.ACTIVE, True),
        (Kind.PROBATIONARY, Role.MEMBER, Status.ACTIVE, True),
        (Kind.OFFICIAL, Role.SECRETARY, Status.ACTIVE, True),
        (Kind.OFFICIAL, Role.DEPUTY, Status.ACTIVE, True),
        # Exempted members may attend and vote, but are not summoned (SPEC §1).
        (Kind.EXEMPTED, Role.MEMBER, Status.ACTIVE, False),
        # Temporarily active in another cell: summoned there, not here.
        (Kind.ELSEWHERE, Role.MEMBER, Status.ACTIVE, False),
        (Kind.OFFICIAL, Role.GUEST, Status.ACTIVE, False),
        (Kind.OFFICIAL, Role.MEMBER, Status.PENDING, False),
        (Kind.OFFICIAL, Role.MEMBER, Status.REMOVED, False),
        (Kind.OFFICIAL, Role.MEMBER, Status.DECLINED, False),
    ],
)
def test_who_is_summoned(kind: Kind, role: Role, status: Status, expected: bool) -> None:
    assert is_summoned(membership(1, kind, role, status)) is expected


def test_the_summoned_set_and_the_leaders_of_a_roster() -> None:
    roster = [
        membership(1, role=Role.SECRETARY),
        membership(2, role=Role.DEPUTY),
        membership(3),
        membership(4, Kind.PROBATIONARY),
        membership(5, Kind.EXEMPTED),
        membership(6, Kind.ELSEWHERE),
        membership(7, role=Role.GUEST),
        membership(8, role=Role.DEPUTY, status=Status.REMOVED),
    ]
    assert [u.id for u in summoned(roster)] == [1, 2, 3, 4]
    assert [u.id for u in leaders(roster)] == [1, 2]
    assert not is_leader(roster[-1])


# --- the role table ----------------------------------------------------------------------------

EVERY_ACTION = frozenset(Action)
MEMBER = {Action.VIEW_MEMBERS, Action.VIEW_MEETINGS, Action.ANSWER_SUMMONS}


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.SECRETARY, EVERY_ACTION),
        (Role.DEPUTY, EVERY_ACTION),
        (Role.MEMBER, MEMBER),
        (Role.GUEST, {Action.VIEW_MEETINGS}),
    ],
)
def test_an_active_member_may_do_what_the_role_table_says(
    role: Role, allowed: frozenset[Action]
) -> None:
    actor = Actor(1, False, membership(1, role=role))
    assert {a for a in Action if actor.may(a)} == set(allowed)
    assert ROLE_ACTIONS[role] == allowed


@pytest.mark.parametrize("status", [Status.PENDING, Status.REMOVED, Status.DECLINED])
def test_someone_not_active_may_do_nothing_whatever_their_role(status: Status) -> None:
    actor = Actor(1, False, membership(1, role=Role.SECRETARY, status=status))
    assert not any(actor.may(a) for a in Action)


def test_outsiders_may_nothing_and_operators_only_look() -> None:
    assert not any(Actor(None, False, None).may(a) for a in Action)
    operator = Actor(None, True, None)
    assert {a for a in Action if operator.may(a)} == OPERATOR_ACTIONS
    assert not operator.may(Action.MANAGE_MEMBERS)
    assert not operator.may(Action.MANAGE_MEETINGS)


# --- reminders ---------------------------------------------------------------------------------

START = NOW + timedelta(days=3)


def meeting(status: MeetingStatus = MeetingStatus.SCHEDULED, revision: int = 0) -> Meeting:
    return Meeting(1, 1, None, MeetingType.REGULAR, "Họp", START, 120, None, status, revision)


def reminder(
    offset: int, status: ReminderStatus = ReminderStatus.PENDING, revision: int = 0
) -> Reminder:
    return Reminder(offset, 1, revision, offset, START - timedelta(minutes=offset), status)


def test_reminder_times_are_the_offsets_still_ahead_latest_first() -> None:
    times = reminder_times(START, (60, 1440, 0, 60), START - timedelta(minutes=90))
    assert times == [(60, START - timedelta(minutes=60)), (0, START)]


def test_a_due_reminder_is_sent() -> None:
    day = reminder(1440)
    assert verdict(day, meeting(), [day], START - timedelta(hours=24)) is Verdict.SEND


@pytest.mark.parametrize(
    "found", [None, meeting(MeetingStatus.CANCELLED), meeting(revision=1)], ids=str
)
def test_a_reminder_of_a_gone_cancelled_or_moved_meeting_is_void(found: Meeting | None) -> None:
    hour = reminder(60)
    assert verdict(hour, found, [hour], START - timedelta(hours=1)) is Verdict.VOID


def test_after_the_start_a_reminder_is_late_but_at_the_start_has_a_grace() -> None:
    hour, start = reminder(60), reminder(0)
    assert verdict(hour, meeting(), [hour], START) is Verdict.LATE
    assert verdict(start, meeting(), [start], START + START_GRACE / 2) is Verdict.SEND
    assert verdict(start, meeting(), [start], START + START_GRACE) is Verdict.LATE


def test_after_downtime_only_the_latest_overdue_reminder_goes_out() -> None:
    day, hour = reminder(1440), reminder(60)
    now = START - timedelta(minutes=30)
    assert verdict(day, meeting(), [day, hour], now) is Verdict.SUPERSEDED
    assert verdict(hour, meeting(), [day, hour], now) is Verdict.SEND
    # A cancelled later reminder supersedes nothing.
    voided = reminder(60, ReminderStatus.CANCELLED)
    assert verdict(day, meeting(), [day, voided], now) is Verdict.SEND


# --- small records -----------------------------------------------------------------------------


def test_a_setup_code_is_usable_once_and_until_it_expires() -> None:
    code = SetupCode("h", "Chi bộ 1", NOW + timedelta(days=1), None)
    assert code.usable(NOW)
    assert not code.usable(NOW + timedelta(days=1))
    assert not SetupCode("h", "Chi bộ 1", NOW + timedelta(days=1), NOW).usable(NOW)


def test_a_dialog_expires_when_left_unanswered() -> None:
    dialog = Dialog("schedule", {}, NOW)
    assert not dialog.expired(NOW + DIALOG_TTL)
    assert dialog.expired(NOW + DIALOG_TTL + timedelta(seconds=1))


def test_identities_are_channel_qualified_and_users_reachable_only_with_a_private_chat() -> None:
    assert Identity("zalo", "ab12", "An").qualified == "zalo:ab12"
    assert user(1).may_be_messaged
    no_chat = User(2, "telegram", "2", "B", None, None, None, None, None, True)
    blocked = User(3, "telegram", "3", "C", None, None, None, None, "3", False)
    assert not no_chat.may_be_messaged
    assert not blocked.may_be_messaged
