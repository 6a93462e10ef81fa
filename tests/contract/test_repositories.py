"""Every repository of the ports, as any store must behave (run against each store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.cells import Cell, Kind, Role, Status
from bot.domain.identity import Identity, User
from bot.domain.meetings import DocumentRef, Meeting, MeetingStatus, MeetingType, Reply
from bot.domain.reminders import ReminderStatus
from bot.ports import DeliveryState, Store, UnitOfWork

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=5)
ANNA = Identity("telegram", "101", "Anna", "anna", "vi")


async def a_cell(uow: UnitOfWork, chat_id: str = "-1001") -> Cell:
    return await uow.cells.insert(
        name="Chi bộ 1",
        channel="telegram",
        chat_id=chat_id,
        chat_title="Nhóm",
        timezone="Asia/Ho_Chi_Minh",
        language="vi",
        now=NOW,
    )


async def a_meeting(uow: UnitOfWork, cell: Cell, starts_at: datetime = LATER) -> Meeting:
    return await uow.meetings.insert(
        cell_id=cell.id,
        type=MeetingType.REGULAR,
        title="Sinh hoạt",
        starts_at=starts_at,
        duration_minutes=120,
        link=None,
        created_by=None,
        now=NOW,
    )


async def a_user(uow: UnitOfWork, n: int) -> User:
    return await uow.users.upsert(Identity("telegram", str(n), f"User {n}"), NOW)


# --- users -------------------------------------------------------------------------------------


async def test_users_are_created_refreshed_and_changed(store: Store) -> None:
    async with store.transaction() as uow:
        anna = await uow.users.upsert(ANNA, NOW)
        assert (anna.display_name, anna.username, anna.platform_language) == ("Anna", "anna", "vi")
        assert not anna.reachable and anna.private_chat_id is None
        again = await uow.users.upsert(Identity("telegram", "101", "Anna B", None, "en"), NOW)
        assert again.id == anna.id
        assert (again.display_name, again.username, again.platform_language) == (
            "Anna B",
            None,
            "en",
        )
        await uow.users.set_full_name(anna.id, "Nguyễn Thị An")
        await uow.users.set_language(anna.id, "en")
        await uow.users.set_private_chat(anna.id, "101")
    async with store.reading() as uow:
        found = await uow.users.get("telegram", "101")
        assert found is not None and found == await uow.users.get_by_id(anna.id)
        assert (found.full_name, found.language, found.private_chat_id, found.reachable) == (
            "Nguyễn Thị An",
            "en",
            "101",
            True,
        )
        assert await uow.users.get("zalo", "101") is None
    async with store.transaction() as uow:
        await uow.users.set_reachable(anna.id, False)
    async with store.reading() as uow:
        assert (await uow.users.get_by_id(anna.id)).reachable is False  # type: ignore[union-attr]


async def test_a_long_display_name_is_cut_and_an_empty_one_replaced(store: Store) -> None:
    async with store.transaction() as uow:
        long = await uow.users.upsert(Identity("telegram", "1", "x" * 500), NOW)
        empty = await uow.users.upsert(Identity("telegram", "2", ""), NOW)
    assert len(long.display_name) == 200
    assert empty.display_name == "2"


# --- cells, codes, invites ---------------------------------------------------------------------


async def test_cells_by_id_and_chat_their_presence_chat_and_offsets(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        assert cell.bot_present and await uow.cells.get_offsets(cell.id) is None
        await uow.cells.set_presence(cell.id, False)
        await uow.cells.set_chat(cell.id, "-1009")
        await uow.cells.set_offsets(cell.id, (120, 0))
    async with store.reading() as uow:
        moved = await uow.cells.get_by_chat("telegram", "-1009")
        assert moved is not None and moved.id == cell.id and not moved.bot_present
        assert await uow.cells.get_by_chat("telegram", "-1001") is None
        assert await uow.cells.get_offsets(cell.id) == (120, 0)
    async with store.transaction() as uow:
        await uow.cells.set_offsets(cell.id, None)
        assert await uow.cells.get_offsets(cell.id) is None


async def test_cell_summaries_count_active_and_waiting_members(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        await a_cell(uow, "-1002")
        for n, status in ((1, Status.ACTIVE), (2, Status.ACTIVE), (3, Status.PENDING)):
            user = await a_user(uow, n)
            await uow.memberships.insert(
                cell_id=cell.id,
                user_id=user.id,
                status=status,
                kind=Kind.OFFICIAL,
                role=Role.MEMBER,
                via="join",
                now=NOW,
            )
        summaries = await uow.cells.summaries()
    assert [(s.cell.chat_id, s.active, s.pending) for s in summaries] == [
        ("-1001", 2, 1),
        ("-1002", 0, 0),
    ]


async def test_a_setup_code_is_used_once(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        await uow.setup_codes.insert("hash", "Chi bộ 2", NOW, LATER)
        code = await uow.setup_codes.get("hash")
        assert code is not None and code.usable(NOW) and code.cell_name == "Chi bộ 2"
        assert await uow.setup_codes.use("hash", cell.id, NOW)
        assert not await uow.setup_codes.use("hash", cell.id, NOW)
        used = await uow.setup_codes.get("hash")
        assert used is not None and used.used_at == NOW and not used.usable(NOW)
        assert await uow.setup_codes.get("other") is None


async def test_an_invite_counts_its_uses_until_exhausted_or_expired(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        creator = await a_user(uow, 1)
        await uow.invites.insert(
            cell_id=cell.id,
            code="abc",
            created_by=creator.id,
            now=NOW,
            expires_at=NOW + timedelta(days=1),
            max_uses=2,
        )
        invite = await uow.invites.get("abc")
        assert invite is not None and (invite.uses, invite.max_uses) == (0, 2)
        assert not await uow.invites.use(invite.id, NOW + timedelta(days=1))
        assert await uow.invites.use(invite.id, NOW)
        assert await uow.invites.use(invite.id, NOW)
        assert not await uow.invites.use(invite.id, NOW)
        assert (await uow.invites.get("abc")).uses == 2  # type: ignore[union-attr]


# --- memberships -------------------------------------------------------------------------------


async def test_memberships_are_numbered_found_listed_and_their_changes_recorded(
    store: Store,
) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        other = await a_cell(uow, "-1002")
        users = [await a_user(uow, n) for n in (1, 2, 3)]
        first = await uow.memberships.insert(
            cell_id=cell.id,
            user_id=users[0].id,
            status=Status.ACTIVE,
            kind=Kind.OFFICIAL,
            role=Role.SECRETARY,
            via="setup",
            now=NOW,
        )
        second = await uow.memberships.insert(
            cell_id=cell.id,
            user_id=users[1].id,
            status=Status.PENDING,
            kind=Kind.OFFICIAL,
            role=Role.MEMBER,
            via="join",
            now=NOW,
        )
        elsewhere = await uow.memberships.insert(
            cell_id=other.id,
            user_id=users[1].id,
            status=Status.ACTIVE,
            kind=Kind.OFFICIAL,
            role=Role.MEMBER,
            via="join",
            now=NOW,
        )
        assert (first.number, second.number, elsewhere.number) == (1, 2, 1)
        assert first.joined_at == NOW and second.joined_at is None
        approved = await uow.memberships.update(
            second, changed_by=users[0].id, now=LATER, status=Status.ACTIVE, kind=Kind.PROBATIONARY
        )
        assert (approved.status, approved.kind, approved.joined_at) == (
            Status.ACTIVE,
            Kind.PROBATIONARY,
            LATER,
        )
        unchanged = await uow.memberships.update(
            approved, changed_by=None, now=LATER, kind=Kind.PROBATIONARY
        )
        assert unchanged == approved
    async with store.reading() as uow:
        assert await uow.memberships.get(cell.id, users[1].id) == approved
        assert await uow.memberships.get_by_number(cell.id, 2) == approved
        assert await uow.memberships.get_by_number(cell.id, 3) is None
        assert [m.id for m in await uow.memberships.of_cell(cell.id)] == [first.id, second.id]
        assert await uow.memberships.of_cell(cell.id, (Status.PENDING,)) == []
        assert [c.id for c, _ in await uow.memberships.of_user(users[1].id)] == [
            cell.id,
            other.id,
        ]
        assert await uow.memberships.of_user(users[2].id) == []
        history = await uow.memberships.history(second.id)
        assert [(h.field, h.old_value, h.new_value, h.changed_by) for h in history] == [
            ("status", "pending", "active", users[0].id),
            ("kind", "official", "probationary", users[0].id),
        ]


async def test_a_member_is_found_by_username_whatever_its_case(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        anna = await uow.users.upsert(ANNA, NOW)
        await uow.memberships.insert(
            cell_id=cell.id,
            user_id=anna.id,
            status=Status.ACTIVE,
            kind=Kind.OFFICIAL,
            role=Role.MEMBER,
            via="join",
            now=NOW,
        )
        found = await uow.memberships.find_by_username(cell.id, "ANNA")
    assert [m.user.id for m in found] == [anna.id]


# --- meetings, series, agenda, documents, answers ----------------------------------------------


async def test_meetings_are_listed_in_windows_moved_cancelled_and_linked(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        early = await a_meeting(uow, cell, NOW + timedelta(days=1))
        late = await a_meeting(uow, cell, NOW + timedelta(days=9))
        assert (early.status, early.revision) == (MeetingStatus.SCHEDULED, 0)
        moved = await uow.meetings.reschedule(early.id, NOW + timedelta(days=2))
        assert (moved.starts_at, moved.revision) == (NOW + timedelta(days=2), 1)
        cancelled = await uow.meetings.set_status(late.id, MeetingStatus.CANCELLED, detach=True)
        assert cancelled.status is MeetingStatus.CANCELLED
        linked = await uow.meetings.set_link(early.id, "https://meet.jit.si/x")
        assert linked.link == "https://meet.jit.si/x"
    async with store.reading() as uow:
        assert await uow.meetings.get(early.id) == linked
        every = await uow.meetings.of_cell(cell.id)
        assert [m.id for m in every] == [early.id, late.id]
        window = await uow.meetings.of_cell(cell.id, after=NOW, before=NOW + timedelta(days=3))
        assert [m.id for m in window] == [early.id]
        scheduled = await uow.meetings.of_cell(cell.id, statuses=(MeetingStatus.SCHEDULED,))
        assert [m.id for m in scheduled] == [early.id]
        newest = await uow.meetings.of_cell(cell.id, descending=True, limit=1)
        assert [m.id for m in newest] == [late.id]
        assert await uow.meetings.get(999) is None


async def test_a_series_keeps_its_occurrences_and_stops_when_deactivated(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        series = await uow.series.insert(
            cell_id=cell.id,
            rule="monthly",
            type=MeetingType.REGULAR,
            title="Sinh hoạt",
            duration_minutes=120,
            link=None,
            created_by=None,
            now=NOW,
        )
        starts = [NOW + timedelta(days=d) for d in (10, 40)]
        made = [
            await uow.meetings.insert(
                cell_id=cell.id,
                type=MeetingType.REGULAR,
                title="Sinh hoạt",
                starts_at=start,
                duration_minutes=120,
                link=None,
                created_by=None,
                now=NOW,
                series_id=series.id,
            )
            for start in starts
        ]
        await uow.meetings.reschedule(made[1].id, NOW + timedelta(days=41))
        assert [s.id for s in await uow.series.active(cell.id)] == [series.id]
        assert [s.id for s in await uow.series.active()] == [series.id]
        # A moved occurrence is detached: it no longer follows the rule.
        assert [m.id for m in await uow.series.coming_meetings(series.id, NOW)] == [made[0].id]
        assert await uow.series.starts(series.id) == {starts[0], NOW + timedelta(days=41)}
        # Two occurrences ahead (one moved alone still counts): short of three, not of two.
        assert [s.id for s in await uow.series.needing(NOW, 3)] == [series.id]
        assert await uow.series.needing(NOW, 2) == []
        assert await uow.series.needing(NOW + timedelta(days=20), 2) == [series]
        assert await uow.series.last_id() == series.id
        assert await uow.series.needing(NOW, 3, after_id=series.id) == []
        assert await uow.series.needing(NOW, 3, up_to_id=series.id - 1) == []
        await uow.series.deactivate(series.id)
        assert await uow.series.active() == []
        assert await uow.series.needing(NOW, 3) == []


async def test_agenda_documents_and_answers(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        meeting = await a_meeting(uow, cell)
        other = await a_meeting(uow, cell, LATER + timedelta(days=1))
        await uow.agenda.replace(meeting.id, ["a", "b"])
        await uow.agenda.replace(meeting.id, ["c", "a"])
        assert await uow.agenda.get(meeting.id) == ["c", "a"]
        assert await uow.agenda.get_many([meeting.id, other.id]) == {
            meeting.id: ["c", "a"],
            other.id: [],
        }
        doc = await uow.documents.insert(
            meeting_id=meeting.id,
            file=DocumentRef("telegram", "FILE1"),
            file_name="baocao.pdf",
            confidential=True,
            added_by=None,
            now=NOW,
        )
        assert await uow.documents.of_meeting(meeting.id) == [doc]
        assert doc.file == DocumentRef("telegram", "FILE1") and doc.confidential
        anna = await uow.users.upsert(ANNA, NOW)
        await uow.answers.put(
            meeting_id=meeting.id,
            user_id=anna.id,
            status=Reply.ABSENCE_REQUESTED,
            reason="ốm",
            decided_by=None,
            now=NOW,
        )
        # A decision keeps the reason given with the request.
        await uow.answers.put(
            meeting_id=meeting.id,
            user_id=anna.id,
            status=Reply.ABSENT_WITH_REASON,
            reason=None,
            decided_by=anna.id,
            now=NOW,
        )
        answer = await uow.answers.get(meeting.id, anna.id)
        assert answer is not None and (answer.status, answer.reason) == (
            Reply.ABSENT_WITH_REASON,
            "ốm",
        )
        assert list(await uow.answers.of_meeting(meeting.id)) == [anna.id]
        assert await uow.answers.of_meeting(other.id) == {}


# --- reminders and the ledger ------------------------------------------------------------------


async def test_reminders_are_planned_voided_revived_and_closed(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        meeting = await a_meeting(uow, cell)
        times = [(60, LATER - timedelta(hours=1)), (0, LATER)]
        made = await uow.reminders.insert_for(meeting, times)
        assert [(r.offset_minutes, r.status) for r in made] == [
            (60, ReminderStatus.PENDING),
            (0, ReminderStatus.PENDING),
        ]
        # Planned again: nothing new.
        assert await uow.reminders.insert_for(meeting, times) == []
        assert [r.id for r in await uow.reminders.pending()] == [r.id for r in made]
        await uow.reminders.cancel(made[0].id, NOW)
        # A voided reminder planned again becomes pending again (offsets changed back).
        revived = await uow.reminders.insert_for(meeting, times[:1])
        assert [r.id for r in revived] == [made[0].id]
        await uow.reminders.finish(made[1].id, ReminderStatus.SENT, NOW)
        # A sent reminder stays sent.
        assert await uow.reminders.insert_for(meeting, times[1:]) == []
        await uow.reminders.finish(made[1].id, ReminderStatus.CANCELLED, NOW)
        assert (await uow.reminders.get(made[1].id)).status is ReminderStatus.SENT  # type: ignore[union-attr]
        assert await uow.reminders.cancel_for_meeting(meeting.id, NOW) == [made[0].id]
        statuses = [r.status for r in await uow.reminders.of_meeting(meeting.id, 0)]
        assert statuses == [ReminderStatus.CANCELLED, ReminderStatus.SENT]
        assert await uow.reminders.pending() == []
        assert await uow.reminders.get(999) is None


async def test_the_ledger_claims_once_settles_and_releases(store: Store) -> None:
    async with store.transaction() as uow:
        assert await uow.deliveries.claim("reminder:1", "group", NOW)
        assert not await uow.deliveries.claim("reminder:1", "group", NOW)
        assert await uow.deliveries.claim("reminder:1", "7", NOW)
        assert await uow.deliveries.claim("reminder:2", "group", NOW)
        await uow.deliveries.settle("reminder:1", "group", DeliveryState.DELIVERED, NOW)
        await uow.deliveries.release("reminder:1", "7")
        # A settled claim is never released.
        await uow.deliveries.release("reminder:1", "group")
        assert await uow.deliveries.states("reminder:1") == {"group": DeliveryState.DELIVERED}
        assert await uow.deliveries.claim("reminder:1", "7", NOW)
        assert await uow.deliveries.states("reminder:1") == {
            "group": DeliveryState.DELIVERED,
            "7": DeliveryState.CLAIMED,
        }


async def test_meetings_are_numbered_per_cell_found_by_number_and_by_message(
    store: Store,
) -> None:
    async with store.transaction() as uow:
        a, b = await a_cell(uow), await a_cell(uow, "-1002")
        first_a = await a_meeting(uow, a)
        first_b = await a_meeting(uow, b)
        second_a = await uow.meetings.insert(
            cell_id=a.id,
            type=MeetingType.THEMATIC,
            title="Chuyên đề",
            starts_at=LATER + timedelta(days=1),
            duration_minutes=90,
            link=None,
            created_by=None,
            now=NOW,
            source=("telegram:-1001", 77),
        )
    assert (first_a.number, first_b.number, second_a.number) == (1, 1, 2)
    async with store.transaction() as uow:
        assert await uow.meetings.by_number(b.id, 1) == first_b
        assert await uow.meetings.by_number(b.id, 2) is None
        assert await uow.meetings.by_source("telegram:-1001", 77) == second_a
        assert await uow.meetings.by_source("telegram:-1002", 77) is None
        # Every change a calendar must take over bumps its sequence; the number stays.
        titled = await uow.meetings.set_title(second_a.id, "Chuyên đề mới")
        linked = await uow.meetings.set_link(second_a.id, "https://meet.jit.si/x")
        await uow.meetings.mark_edited(second_a.id, calendar=True)
        await uow.meetings.mark_edited(second_a.id)
        after = await uow.meetings.get(second_a.id)
    assert (titled.sequence, linked.sequence) == (1, 2)
    assert after is not None and (after.number, after.sequence, after.revision) == (2, 3, 0)


async def test_a_confirmation_is_taken_once_by_its_person_while_open(store: Store) -> None:
    async with store.transaction() as uow:
        anna, ba = await a_user(uow, 1), await a_user(uow, 2)
        asked = await uow.confirmations.put(
            anna.id, "cancel", {"meeting": 3, "reason": "Trùng lịch"}, NOW, LATER
        )
        expired = await uow.confirmations.put(anna.id, "link", {"meeting": 3}, NOW, NOW)
    async with store.transaction() as uow:
        assert await uow.confirmations.take(asked, ba.id, NOW) is None
        assert await uow.confirmations.take(expired, anna.id, NOW) is None
        assert await uow.confirmations.take(asked, anna.id, NOW) == (
            "cancel",
            {"meeting": 3, "reason": "Trùng lịch"},
        )
        assert await uow.confirmations.take(asked, anna.id, NOW) is None


async def test_dialogs_open_advance_and_close(store: Store) -> None:
    async with store.transaction() as uow:
        anna = await uow.users.upsert(ANNA, NOW)
        assert await uow.dialogs.get(anna.id, "101") is None
        await uow.dialogs.put(anna.id, "101", "schedule", {"step": "type"}, NOW)
        await uow.dialogs.put(anna.id, "101", "schedule", {"step": "when", "type": "r"}, LATER)
        dialog = await uow.dialogs.get(anna.id, "101")
        assert dialog is not None
        assert (dialog.kind, dialog.state, dialog.updated_at) == (
            "schedule",
            {"step": "when", "type": "r"},
            LATER,
        )
        await uow.dialogs.clear(anna.id, "101")
        assert await uow.dialogs.get(anna.id, "101") is None


async def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as uow:
            await a_cell(uow)
            raise RuntimeError("boom")
    async with store.reading() as uow:
        assert await uow.cells.summaries() == []
