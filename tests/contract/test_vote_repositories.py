"""The votes' repository (uow.votes), as any store must behave."""

from __future__ import annotations

from bot.domain.running import RollKind
from bot.domain.votes import MAJORITY, TWO_THIRDS, Basis, RollLine, VoteKind, VoteMode, VoteState
from bot.ports import Store, UnitOfWork
from tests.contract.test_repositories import LATER, NOW, a_cell, a_meeting, a_user


async def an_open_meeting(uow: UnitOfWork) -> tuple[int, int, list[int]]:
    """A cell with an open meeting (on its item 2) and three official members on the roll;
    (cell id, meeting id, user ids)."""
    cell = await a_cell(uow)
    meeting = await a_meeting(uow, cell)
    users = [(await a_user(uow, n)).id for n in (1, 2, 3)]
    await uow.runs.insert(
        meeting_id=meeting.id,
        chair_id=users[0],
        recorder_id=None,
        opened_by=users[0],
        opened_at=NOW,
        quorum_percent=67,
        grace_minutes=15,
    )
    await uow.runs.set_current_item(meeting.id, 2)
    await uow.roll.fix(meeting.id, [(u, RollKind.OFFICIAL, True) for u in users])
    return cell.id, meeting.id, users


async def test_votes_are_numbered_read_and_closed_once(store: Store) -> None:
    async with store.transaction() as uow:
        cell_id, meeting_id, users = await an_open_meeting(uow)
        assert await uow.votes.running(cell_id) == (meeting_id, 2)
        assert await uow.votes.roll_line(meeting_id, users[1]) == RollLine(
            users[1], "official", True, "expected"
        )
        assert len(await uow.votes.roll(meeting_id)) == 3
        first = await uow.votes.insert(
            meeting_id=meeting_id,
            position=2,
            kind=VoteKind.ELECTION,
            mode=VoteMode.SECRET,
            subject="",
            options=["An", "Bình"],
            subjects=[],
            seats=1,
            threshold=MAJORITY,
            basis=Basis.OFFICIAL,
            secret_key="ab" * 32,
            created_by=users[0],
            now=NOW,
        )
        second = await uow.votes.insert(
            meeting_id=meeting_id,
            position=2,
            kind=VoteKind.ADMISSION,
            mode=VoteMode.OPEN,
            subject="Phạm Văn D",
            options=[],
            subjects=[],
            seats=1,
            threshold=TWO_THIRDS,
            basis=Basis.OFFICIAL,
            secret_key=None,
            created_by=users[0],
            now=NOW,
        )
        assert (first.number, second.number) == (1, 2)
        assert first.options == ("An", "Bình") and first.threshold == MAJORITY
        assert await uow.votes.secret_key(first.id) == "ab" * 32
        await uow.votes.set_message(first.id, "-1001", 55)
        assert await uow.votes.message(first.id) == ("-1001", 55)
        assert [v.number for v in await uow.votes.of_meeting(meeting_id, open_only=True)] == [1, 2]
        assert await uow.votes.close(first.id, {"done": True}, users[0], LATER)
        assert not await uow.votes.close(first.id, {"again": True}, users[0], LATER)
    async with store.reading() as uow:
        closed = await uow.votes.by_number(meeting_id, 1)
        assert closed is not None and closed.state is VoteState.CLOSED
        assert closed.result == {"done": True} and closed.closed_at == LATER
        assert await uow.votes.secret_key(first.id) is None
        assert [v.number for v in await uow.votes.of_meeting(meeting_id, open_only=True)] == [2]


async def test_ballots_open_ones_replaced_secret_ones_once(store: Store) -> None:
    async with store.transaction() as uow:
        _, meeting_id, users = await an_open_meeting(uow)
        common = {
            "meeting_id": meeting_id,
            "position": 0,
            "subjects": [],
            "seats": 2,
            "threshold": MAJORITY,
            "basis": Basis.LEGAL,
            "created_by": users[0],
            "now": NOW,
        }
        openly = await uow.votes.insert(
            kind=VoteKind.RESOLUTION,
            mode=VoteMode.OPEN,
            subject="A",
            options=[],
            secret_key=None,
            **common,  # type: ignore[arg-type]
        )
        secret = await uow.votes.insert(
            kind=VoteKind.ELECTION,
            mode=VoteMode.SECRET,
            subject="",
            options=["An", "Bình", "Chi"],
            secret_key="cd" * 32,
            **common,  # type: ignore[arg-type]
        )
        await uow.votes.cast_open(openly.id, users[0], 0, [1], NOW)
        await uow.votes.cast_open(openly.id, users[0], 0, [0], NOW)  # changed
        await uow.votes.cast_open(openly.id, users[1], 0, [0], NOW)
        assert await uow.votes.open_choices(openly.id, users[0]) == {0: frozenset({0})}
        assert await uow.votes.open_ballots(openly.id) == [(users[0], 0, 0), (users[1], 0, 0)]
        assert await uow.votes.cast_secret(secret.id, users[0], 0, [0, 2])
        assert not await uow.votes.cast_secret(secret.id, users[0], 0, [1])  # once
        assert await uow.votes.cast_secret(secret.id, users[1], 0, [])  # a blank ballot
        assert await uow.votes.has_voted(secret.id, users[0]) == {0}
        assert await uow.votes.has_voted(secret.id, users[2]) == set()
    async with store.reading() as uow:
        assert await uow.votes.counts(openly.id) == ({(0, 0): 2}, {0: 2})
        assert await uow.votes.counts(secret.id) == ({(0, 0): 1, (0, 2): 1}, {0: 2})
        assert await uow.votes.voters(secret.id) == 2
        assert await uow.votes.open_ballots(secret.id) == []
