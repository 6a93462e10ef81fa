"""The repositories of the agenda's proceedings and of the minutes (uow.proceedings,
uow.minutes), as any store must behave."""

from __future__ import annotations

from bot.domain.minutes import Grade, MinutesState
from bot.domain.proceedings import ContributionKind, SpeakerState
from bot.ports import Store
from tests.contract.test_repositories import LATER, NOW, a_cell, a_meeting, a_user


async def test_the_agenda_moves_once_and_contributions_are_kept_once(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        meeting = await a_meeting(uow, cell)
        lan, minh = await a_user(uow, 1), await a_user(uow, 2)
        assert await uow.proceedings.advance(meeting.id, 0, 3) is None  # not opened
        await uow.runs.insert(
            meeting_id=meeting.id,
            chair_id=lan.id,
            recorder_id=minh.id,
            opened_by=lan.id,
            opened_at=NOW,
            quorum_percent=67,
            grace_minutes=15,
        )
        assert await uow.proceedings.open_meetings() == [meeting.id]
        assert await uow.proceedings.advance(meeting.id, 0, 2) == 1
        assert await uow.proceedings.advance(meeting.id, 0, 2) is None  # moved by another
        assert await uow.proceedings.advance(meeting.id, 1, 2) == 2
        assert await uow.proceedings.advance(meeting.id, 2, 2) is None  # the last item
        assert await uow.proceedings.current_item(meeting.id) == 2
        await uow.proceedings.add_item_message("-1001", 50, meeting.id, 1)
        await uow.proceedings.add_item_message("-1001", 50, meeting.id, 2)  # kept as first
        assert await uow.proceedings.item_of_message("-1001", 50) == (meeting.id, 1)
        assert await uow.proceedings.item_of_message("-1001", 51) is None
        said = {
            "meeting_id": meeting.id,
            "position": 1,
            "kind": ContributionKind.SPEECH,
            "speaker_id": minh.id,
            "text": "Tôi đồng ý",
            "recorded_by": minh.id,
            "now": NOW,
            "source": ("-1001", 60),
        }
        assert await uow.proceedings.contribute(**said)  # type: ignore[arg-type]
        assert not await uow.proceedings.contribute(**said)  # type: ignore[arg-type]
        assert await uow.proceedings.contribute(
            meeting_id=meeting.id,
            position=1,
            kind=ContributionKind.CONCLUSION,
            speaker_id=None,
            text="Nhất trí",
            recorded_by=lan.id,
            now=LATER,
        )
        await uow.runs.close(meeting.id, LATER, lan.id)
        assert await uow.proceedings.advance(meeting.id, 2, 5) is None  # closed
        assert await uow.proceedings.open_meetings() == []
    async with store.reading() as uow:
        found = await uow.proceedings.contributions(meeting.id)
    assert [(c.kind, c.speaker_id, c.text) for c in found] == [
        (ContributionKind.SPEECH, minh.id, "Tôi đồng ý"),
        (ContributionKind.CONCLUSION, None, "Nhất trí"),
    ]


async def test_the_queue_takes_a_hand_once_and_calls_in_order(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        meeting = await a_meeting(uow, cell)
        first, second = await a_user(uow, 1), await a_user(uow, 2)
        assert await uow.proceedings.raise_hand(meeting.id, first.id, 1, NOW)
        assert not await uow.proceedings.raise_hand(meeting.id, first.id, 1, LATER)
        assert await uow.proceedings.raise_hand(meeting.id, second.id, 1, LATER)
        called = await uow.proceedings.next_speaker(meeting.id)
        assert called is not None and called.user_id == first.id
        queue = await uow.proceedings.queue(meeting.id)
        assert [(e.user_id, e.state) for e in queue] == [
            (first.id, SpeakerState.SPEAKING),
            (second.id, SpeakerState.WAITING),
        ]
        called = await uow.proceedings.next_speaker(meeting.id)
        assert called is not None and called.user_id == second.id
        assert await uow.proceedings.next_speaker(meeting.id) is None
        assert await uow.proceedings.queue(meeting.id) == []
        # Done speaking, a member may raise a hand again.
        assert await uow.proceedings.raise_hand(meeting.id, first.id, 2, LATER)


async def test_minutes_versions_and_anonymous_scores(store: Store) -> None:
    async with store.transaction() as uow:
        cell = await a_cell(uow)
        meeting = await a_meeting(uow, cell)
        lan, minh = await a_user(uow, 1), await a_user(uow, 2)
        assert await uow.minutes.add(meeting.id, '{"v": 1}', MinutesState.DRAFT, None, NOW) == 1
        # One draft at a time.
        assert (
            await uow.minutes.add(meeting.id, '{"v": 9}', MinutesState.DRAFT, lan.id, NOW) is None
        )
        assert await uow.minutes.set_body(meeting.id, 1, '{"v": 1, "state": "draft"}')
        assert await uow.minutes.approve(meeting.id, 1, '{"state": "approved"}', lan.id, LATER)
        assert not await uow.minutes.approve(meeting.id, 1, "{}", lan.id, LATER)
        assert not await uow.minutes.set_body(meeting.id, 1, "{}")  # approved: no edit
        assert (
            await uow.minutes.add(
                meeting.id, '{"state": "draft"}', MinutesState.DRAFT, lan.id, LATER
            )
            == 2
        )
        assert await uow.minutes.approve(meeting.id, 2, '{"state": "approved"}', lan.id, LATER)
        assert await uow.minutes.score(meeting.id, lan.id, Grade.GOOD)
        assert await uow.minutes.score(meeting.id, minh.id, Grade.GOOD)
        assert not await uow.minutes.score(meeting.id, minh.id, Grade.WEAK)
    async with store.reading() as uow:
        versions = await uow.minutes.versions(meeting.id)
        assert [(v.version, v.state) for v in versions] == [
            (1, MinutesState.SUPERSEDED),
            (2, MinutesState.APPROVED),
        ]
        assert versions[0].body == '{"state":"superseded"}'
        assert versions[0].approved_by == lan.id and versions[0].approved_at == LATER
        scores = await uow.minutes.scores(meeting.id)
        assert scores == {Grade.GOOD: 2, Grade.FAIR: 0, Grade.AVERAGE: 0, Grade.WEAK: 0}
        assert await uow.minutes.has_scored(meeting.id, minh.id)
