"""The reports' aggregate reads against the store: a cell's facts, the overview's per-cell
sums with each cell's months in its own time zone (one zone, and several), a member's record,
and the roll's counts kept as the roll is written, corrected and settled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.identity import Identity
from bot.domain.meetings import MeetingStatus, MeetingType
from bot.domain.running import RollKind, RollStatus
from bot.ports import Store
from bot.services.reports import shift_of

NOW = datetime(2026, 12, 20, 3, 0, tzinfo=UTC)
YEAR = (datetime(2025, 12, 31, 17, 0, tzinfo=UTC), datetime(2026, 12, 31, 17, 0, tzinfo=UTC))


async def held(
    store: Store,
    cell_id: int,
    starts_at: datetime,
    statuses: dict[int, RollStatus],
    kind: MeetingType = MeetingType.REGULAR,
) -> int:
    """A meeting held: its roll fixed (everyone in `statuses` summoned), marked, settled,
    closed; its id."""
    async with store.transaction() as uow:
        meeting = await uow.meetings.insert(
            cell_id=cell_id,
            type=kind,
            title="Sinh hoạt chi bộ",
            starts_at=starts_at,
            duration_minutes=90,
            link=None,
            created_by=None,
            now=starts_at - timedelta(days=7),
        )
        first = next(iter(statuses))
        await uow.runs.insert(
            meeting_id=meeting.id,
            chair_id=first,
            recorder_id=None,
            opened_by=first,
            opened_at=starts_at,
            quorum_percent=67,
            grace_minutes=15,
        )
        await uow.roll.fix(meeting.id, [(u, RollKind.OFFICIAL, True) for u in statuses])
        for user_id, status in statuses.items():
            if status is not RollStatus.ABSENT:
                await uow.roll.mark(
                    meeting.id,
                    user_id,
                    status,
                    "ốm" if status is RollStatus.EXCUSED else None,
                    first,
                    starts_at,
                    kind=RollKind.OFFICIAL,
                )
        await uow.roll.settle(meeting.id, {}, starts_at + timedelta(minutes=90))
        await uow.runs.close(meeting.id, starts_at + timedelta(minutes=90), first)
        await uow.meetings.set_status(meeting.id, MeetingStatus.CLOSED)
    return meeting.id


async def people(store: Store, n: int) -> list[int]:
    async with store.transaction() as uow:
        return [
            (await uow.users.upsert(Identity("telegram", str(i), f"Người {i}"), NOW)).id
            for i in range(1, n + 1)
        ]


async def cell(store: Store, chat: str, timezone: str) -> int:
    async with store.transaction() as uow:
        return (
            await uow.cells.insert(
                name=f"Chi bộ {chat}",
                channel="telegram",
                chat_id=chat,
                chat_title=None,
                timezone=timezone,
                language="vi",
                now=NOW,
            )
        ).id


P, L, E, A = RollStatus.PRESENT, RollStatus.LATE, RollStatus.EXCUSED, RollStatus.ABSENT


async def test_overview_sums_each_cell_in_its_own_months(store: Store) -> None:
    one, two, three = await people(store, 3)
    hanoi = await cell(store, "-1", "Asia/Ho_Chi_Minh")
    # 31 January 2026, 18:00 UTC is already 1 February in Hanoi.
    await held(store, hanoi, datetime(2026, 1, 31, 18, 0, tzinfo=UTC), {one: P, two: L, three: A})
    await held(store, hanoi, datetime(2026, 3, 5, 12, 30, tzinfo=UTC), {one: P, two: E, three: A})
    await held(
        store,
        hanoi,
        datetime(2026, 3, 20, 12, 30, tzinfo=UTC),
        {one: P, two: P, three: A},
        MeetingType.THEMATIC,
    )
    shifts = {"Asia/Ho_Chi_Minh": shift_of("Asia/Ho_Chi_Minh", *YEAR)}
    async with store.reading() as uow:
        (totals,) = await uow.reports.overview_totals(*YEAR, shifts, 3)
    assert totals.regular_months == {"202602", "202603"}
    assert totals.thematic_months == {"202603"}
    assert (totals.meetings, totals.summoned, totals.attended, totals.excused) == (3, 9, 5, 1)
    # The third member: absent without reason in February and March (2 months, not 3).
    assert (totals.absences, totals.unexcused_members, totals.removal_members) == (3, 1, 0)

    # A second cell in another time zone: the same instant is still 31 January in New York.
    york = await cell(store, "-2", "America/New_York")
    await held(store, york, datetime(2026, 1, 31, 18, 0, tzinfo=UTC), {one: A})
    await held(store, york, datetime(2026, 6, 10, 18, 0, tzinfo=UTC), {one: A})
    await held(store, york, datetime(2026, 9, 10, 18, 0, tzinfo=UTC), {one: A})
    shifts["America/New_York"] = shift_of("America/New_York", *YEAR)
    async with store.reading() as uow:
        found = {t.cell_id: t for t in await uow.reports.overview_totals(*YEAR, shifts, 3)}
    assert found[hanoi].regular_months == {"202602", "202603"}
    assert found[york].regular_months == {"202601", "202606", "202609"}
    assert (found[york].attended, found[york].removal_members) == (0, 1)


async def test_cell_facts_and_a_members_record(store: Store) -> None:
    one, two = await people(store, 2)
    hanoi = await cell(store, "-1", "Asia/Ho_Chi_Minh")
    first = await held(store, hanoi, datetime(2026, 2, 5, 12, 30, tzinfo=UTC), {one: P, two: E})
    await held(store, hanoi, datetime(2025, 12, 5, 12, 30, tzinfo=UTC), {one: P, two: A})
    async with store.reading() as uow:
        facts = await uow.reports.cell_facts(hanoi, *YEAR)
        record = await uow.reports.member_record(two, hanoi, *YEAR)
    # Only the year's meeting; both people, off the roster, named from their profiles.
    assert [m.meeting_id for m in facts.meetings] == [first]
    assert sorted((r.user_id, r.status) for r in facts.roll) == [
        (one, "present"),
        (two, "excused"),
    ]
    assert sorted(p.name for p in facts.people) == ["Người 1", "Người 2"]
    assert [(r.meeting_id, r.status, r.summoned) for r in record] == [(first, "excused", True)]


async def test_the_rolls_counts_follow_every_write(store: Store) -> None:
    one, two, three = await people(store, 3)
    hanoi = await cell(store, "-1", "Asia/Ho_Chi_Minh")
    meeting = await held(store, hanoi, datetime(2026, 2, 5, 12, 30, tzinfo=UTC), {one: P, two: A})
    shifts = {"Asia/Ho_Chi_Minh": "+420 minutes"}

    async def counts() -> tuple[int, int, int, int]:
        async with store.reading() as uow:
            (t,) = await uow.reports.overview_totals(*YEAR, shifts, 3)
        return t.summoned, t.attended, t.excused, t.absences

    assert await counts() == (2, 1, 0, 1)
    async with store.transaction() as uow:
        # A correction after closing (upserts), and an unsummoned guest who came.
        await uow.roll.mark(meeting, two, E, "ốm", one, NOW, kind=RollKind.OFFICIAL)
        await uow.roll.mark(meeting, three, P, None, one, NOW, kind=RollKind.GUEST)
    assert await counts() == (2, 1, 1, 0)
