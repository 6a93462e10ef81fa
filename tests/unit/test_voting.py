"""The voting service over a real SQLite file: ballots, refusals, concurrency, secrecy."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.domain.identity import ChatRef, Identity
from bot.domain.messages import CastBallot
from bot.domain.votes import VoteKind, VoteMode
from bot.errors import BadInput, Refused, UserFacingError
from bot.rules.sealing import seal
from bot.services.registry import Services
from bot.services.voting import (
    SECRET_FINAL,
    SECRET_IN_PRIVATE,
    STALE_BALLOT,
    VOTE_CLOSED,
    Closed,
    VoteRequest,
    close_open_votes,
)
from config import Settings
from storage.sqlite.db import Database
from tests.fakes import RecordingNotifier, RecordingScheduler

NOW = datetime(2026, 12, 5, 12, 45, tzinfo=UTC)
GROUP = ChatRef("telegram", "-1001", False, "Chi bộ 1")
OTHER_GROUP = ChatRef("telegram", "-1002", False, "Chi bộ 2")
SECRETARY = Identity("telegram", "1", "Nguyễn Thị Lan")


def person(user_id: int) -> Identity:
    return Identity("telegram", str(user_id), f"Đảng viên {user_id}")


def private(identity: Identity) -> ChatRef:
    return ChatRef("telegram", identity.external_id, True)


@dataclass
class World:
    services: Services
    database: Database
    notifier: RecordingNotifier
    path: Path


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    path = tmp_path / "votes.sqlite3"
    database = Database(path)
    await database.connect()
    notifier = RecordingNotifier()
    settings = Settings(database_path=path)
    services = Services.build(settings, FakeClock(NOW), database, notifier, RecordingScheduler())
    try:
        yield World(services, database, notifier, path)
    finally:
        await database.close()


async def populate(
    world: World, people: list[tuple[int, str, bool, str]], *, cell: int = 1
) -> None:
    """A cell (secretary = user 1, official and present) with an open meeting whose roll is
    `people`: (user id, kind, summoned, status); a kind 'outsider' is a user not on the roll."""
    chat = GROUP if cell == 1 else OTHER_GROUP
    at = NOW.isoformat()
    async with world.database.raw_transaction() as conn:
        await conn.execute(
            "INSERT INTO cells (id, name, channel, chat_id, timezone, language, created_at)"
            " VALUES (?, ?, 'telegram', ?, 'Asia/Ho_Chi_Minh', 'vi', ?)",
            (cell, f"Chi bộ {cell}", chat.chat_id, at),
        )
        everyone = ([(1, "official", True, "present")] if cell == 1 else []) + people
        for user_id, kind, _summoned, _status in everyone:
            await conn.execute(
                "INSERT OR IGNORE INTO users (id, channel, external_id, display_name,"
                " private_chat_id, reachable, created_at) VALUES (?, 'telegram', ?, ?, ?, 1, ?)",
                (user_id, str(user_id), f"Đảng viên {user_id}", str(user_id), at),
            )
            if kind == "outsider":
                continue
            role = "secretary" if user_id == 1 else "guest" if kind == "guest" else "member"
            await conn.execute(
                "INSERT INTO memberships (cell_id, user_id, number, status, kind, role, via,"
                " requested_at, joined_at) VALUES (?, ?, ?, 'active', ?, ?, 'join', ?, ?)",
                (
                    cell,
                    user_id,
                    user_id,
                    kind if kind != "guest" else "official",
                    role,
                    at,
                    at,
                ),
            )
        await conn.execute(
            "INSERT INTO meetings (id, cell_id, type, title, starts_at, duration_minutes,"
            " status, created_at, number) VALUES (?, ?, 'regular', 'Sinh hoạt tháng 12', ?,"
            " 120, 'open', ?, 1)",
            (cell, cell, at, at),
        )
        await conn.execute(
            "INSERT INTO meeting_runs (meeting_id, opened_by, opened_at, quorum_percent,"
            " grace_minutes, current_item) VALUES (?, 1, ?, 67, 15, 3)",
            (cell, at),
        )
        for user_id, kind, summoned, status in everyone:
            if kind == "outsider":
                continue
            await conn.execute(
                "INSERT INTO roll (meeting_id, user_id, kind, summoned, status)"
                " VALUES (?, ?, ?, ?, ?)",
                (cell, user_id, kind, int(summoned), status),
            )


def official(ids: range | list[int]) -> list[tuple[int, str, bool, str]]:
    return [(i, "official", True, "present") for i in ids]


async def start(world: World, request: VoteRequest) -> int:
    started = await world.services.voting.start(SECRETARY, GROUP, request)
    return started.vote.id


def sent_ballots(world: World, user_id: int, vote_id: int) -> list[CastBallot]:
    """The ballot buttons the bot sent a voter privately."""
    found = []
    for sent in world.notifier.sent:
        if getattr(sent.to, "user", None) is None or sent.to.user.id != user_id:  # type: ignore[union-attr]
            continue
        for row in sent.content.choices:
            for choice in row:
                if isinstance(choice.action, CastBallot) and choice.action.vote_id == vote_id:
                    found.append(choice.action)
    return found


async def cast_secret(world: World, user_id: int, vote_id: int, option: int) -> None:
    ballot = sent_ballots(world, user_id, vote_id)[option]
    await world.services.voting.cast(
        person(user_id), private(person(user_id)), vote_id, ballot.item, ballot.code
    )


async def test_an_open_resolution_counts_changes_and_shows_who_chose_what(world: World) -> None:
    await populate(world, official(range(2, 11)))  # 10 official members present
    vote_id = await start(
        world, VoteRequest(VoteKind.RESOLUTION, VoteMode.OPEN, "Thông qua nghị quyết quý IV")
    )
    voting = world.services.voting
    for user_id in range(1, 7):
        await voting.cast(person(user_id), GROUP, vote_id, 0, "o1")  # 6 disapprove
    for user_id in range(1, 7):
        await voting.cast(person(user_id), GROUP, vote_id, 0, "o0")  # changed: approve
    closed = await voting.close(SECRETARY, GROUP, None)
    question = closed.outcome.question
    assert question is not None
    assert (question.approve, question.disapprove, question.passed) == (6, 0, True)
    assert closed.outcome.denominator.value == 10
    assert ["Đảng viên 1", 0, 0] in closed.outcome.extra["open_ballots"]  # type: ignore[operator]
    assert closed.vote.item == 3  # the agenda item the meeting was on


async def test_exactly_half_of_the_legal_denominator_does_not_pass(world: World) -> None:
    await populate(world, official(range(2, 11)))
    vote_id = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.OPEN, "Nghị quyết"))
    for user_id in range(1, 6):
        await world.services.voting.cast(person(user_id), GROUP, vote_id, 0, "o0")
    closed = await world.services.voting.close(SECRETARY, GROUP, 1)
    assert closed.outcome.question is not None and not closed.outcome.question.passed


ROLL = [
    (2, "official", True, "present"),
    (3, "probationary", True, "present"),
    (4, "guest", False, "present"),
    (5, "official", True, "absent"),
    (6, "visiting", True, "present"),
    (7, "exempted", False, "present"),
    (8, "outsider", False, "present"),
]


@pytest.mark.parametrize(
    ("user_id", "why"),
    [
        (3, "Probationary members attend and speak but do not vote (Party Statute)."),
        (4, "Guests attend and speak but are not counted and do not vote."),
        (5, "Only members checked in as present vote"),
        (6, "Members attending this cell temporarily vote in their home cell, not here."),
        (8, "You are not on this meeting's roll, so you cannot vote in it."),
    ],
)
async def test_those_who_may_not_vote_are_refused_with_the_reason(
    world: World, user_id: int, why: str
) -> None:
    await populate(world, ROLL)
    vote_id = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.OPEN, "Nghị quyết"))
    with pytest.raises(Refused) as refused:
        await world.services.voting.cast(person(user_id), GROUP, vote_id, 0, "o0")
    assert refused.value.message.startswith(why)
    closed = await world.services.voting.close(SECRETARY, GROUP, None)
    assert closed.outcome.question is not None and closed.outcome.question.ballots == 0
    # The exempted member present may vote (and is counted).
    assert closed.outcome.denominator.exempted_present == 1


async def test_a_member_of_another_cell_is_an_outsider_here(world: World) -> None:
    await populate(world, official([2]))
    await populate(world, official([20]), cell=2)
    vote_id = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.OPEN, "Nghị quyết"))
    with pytest.raises(Refused):
        await world.services.voting.cast(person(20), OTHER_GROUP, vote_id, 0, "o0")
    # Another cell's secretary cannot close it either.
    with pytest.raises(UserFacingError):
        await world.services.voting.close_by_button(person(20), OTHER_GROUP, vote_id)


async def test_closed_votes_forged_and_stale_buttons_change_nothing(world: World) -> None:
    await populate(world, official(range(2, 6)))
    voting = world.services.voting
    vote_id = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.SECRET, "Kỷ luật"))
    ballot = sent_ballots(world, 2, vote_id)[0]
    for code in ("o0", "0" * 24, ballot.code[:-1] + ("0" if ballot.code[-1] != "0" else "1")):
        with pytest.raises(UserFacingError) as refused:
            await voting.cast(person(2), private(person(2)), vote_id, 0, code)
        assert refused.value.message in (STALE_BALLOT, SECRET_IN_PRIVATE)
    # Another voter's button is no good for someone else.
    with pytest.raises(Refused, match="not valid"):
        await voting.cast(person(3), private(person(3)), vote_id, 0, ballot.code)
    # A secret ballot pressed in the group is refused.
    with pytest.raises(Refused) as refused:
        await voting.cast(person(2), GROUP, vote_id, 0, ballot.code)
    assert refused.value.message == SECRET_IN_PRIVATE
    with pytest.raises(Refused, match="not valid"):
        await voting.cast(person(2), private(person(2)), 999, 0, ballot.code)
    await voting.cast(person(2), private(person(2)), vote_id, 0, ballot.code)
    # A secret ballot cannot be changed.
    with pytest.raises(Refused) as refused:
        await cast_secret(world, 2, vote_id, 1)
    assert refused.value.message == SECRET_FINAL
    await voting.close(SECRETARY, GROUP, None)
    with pytest.raises(Refused) as refused:
        await cast_secret(world, 3, vote_id, 0)
    assert refused.value.message == VOTE_CLOSED
    with pytest.raises(Refused):
        await voting.close(SECRETARY, GROUP, 1)
    async with world.database.reading() as uow:
        counts, ballots = await uow.votes.counts(vote_id)
        assert await uow.votes.secret_key(vote_id) is None  # erased at closing
    assert (counts, ballots) == ({(0, 0): 1}, {0: 1})


async def test_a_secret_election_ticks_then_casts_and_elects_with_all_officials(
    world: World,
) -> None:
    # 11 official members, one absent with reason: 10 ballots; 5 votes do not elect.
    people = [*official(range(2, 11)), (11, "official", True, "excused")]
    await populate(world, people)
    voting = world.services.voting
    with pytest.raises(BadInput):  # 4 candidates for 3 seats: more than 30 % extra
        await start(
            world, VoteRequest(VoteKind.ELECTION, VoteMode.SECRET, "", ("A", "B", "C", "D"), 3)
        )
    vote_id = await start(
        world,
        VoteRequest(VoteKind.ELECTION, VoteMode.SECRET, "Chi ủy", ("An", "Bình", "Cường"), 3),
    )
    for user_id in range(1, 11):
        picks = [0, 1] if user_id <= 6 else [2]
        ballot = sent_ballots(world, user_id, vote_id)
        for pick in picks:
            ticked = await voting.cast(
                person(user_id), private(person(user_id)), vote_id, 0, ballot[pick].code
            )
            assert not ticked.final and pick in ticked.choices
            assert ticked.ballot is not None
            ballot = [row[0].action for row in ticked.ballot.choices]  # type: ignore[misc]
        assert ticked.choices == set(picks)
        submit = ballot[-1]
        cast = await voting.cast(
            person(user_id), private(person(user_id)), vote_id, 0, submit.code
        )
        assert cast.final and cast.choices == frozenset()  # the choice is not handed back
    closed = await voting.close(SECRETARY, GROUP, None)
    election = closed.outcome.election
    assert election is not None
    assert election.elected == ("An", "Bình")  # 6 of 11; Cường's 4 do not elect
    assert election.remaining == 1
    assert closed.outcome.denominator.value == 11


async def test_a_hundred_presses_by_one_member_make_one_ballot(world: World) -> None:
    await populate(world, official(range(2, 4)))
    voting = world.services.voting
    secret = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.SECRET, "Kỷ luật"))
    ballot = sent_ballots(world, 2, secret)[0]

    async def press(vote_id: int, code: str, chat: ChatRef) -> bool:
        try:
            await voting.cast(person(2), chat, vote_id, 0, code)
        except Refused:
            return False
        return True

    results = await asyncio.gather(
        *(press(secret, ballot.code, private(person(2))) for _ in range(100))
    )
    assert results.count(True) == 1
    openly = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.OPEN, "Nghị quyết"))
    await asyncio.gather(*(press(openly, f"o{i % 3}", GROUP) for i in range(100)))
    async with world.database.reading() as uow:
        assert (await uow.votes.counts(secret))[1] == {0: 1}
        assert sum((await uow.votes.counts(openly))[0].values()) == 1
        assert len(await uow.votes.open_ballots(openly)) == 1


async def test_five_hundred_members_voting_at_once_are_counted_exactly(world: World) -> None:
    await populate(world, official(range(2, 501)))
    voting = world.services.voting
    vote_id = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.SECRET, "Nghị quyết"))
    choices = {user_id: user_id % 3 for user_id in range(1, 501)}
    await asyncio.gather(*(cast_secret(world, u, vote_id, c) for u, c in choices.items()))
    closed = await voting.close(SECRETARY, GROUP, None)
    question = closed.outcome.question
    assert question is not None
    expected = [list(choices.values()).count(option) for option in range(3)]
    assert [question.approve, question.disapprove, question.abstain] == expected
    assert question.ballots == 500


async def test_the_meeting_closing_closes_its_votes(world: World) -> None:
    await populate(world, official(range(2, 5)))
    await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.SECRET, "A"))
    await start(world, VoteRequest(VoteKind.ADMISSION, VoteMode.OPEN, "Phạm Văn D"))
    async with world.database.transaction() as uow:
        closed: list[Closed] = await close_open_votes(uow, 1, NOW)
    await world.services.voting.sealed_if_secret(closed)
    assert [c.vote.number for c in closed] == [1, 2]
    assert [c.vote.state.value for c in closed] == ["closed", "closed"]
    results = await world.services.voting.results(1)
    assert [v.number for v, _ in results] == [1, 2]


def record_offsets(data: bytes, voter_ids: list[int]) -> dict[int, int]:
    """Where each voter's register record lies in the file: a WITHOUT ROWID leaf cell
    (payload size 5; header 4: vote 1, item 0, a one-byte voter id)."""
    found = {}
    for voter in voter_ids:
        needle = bytes([5, 4, 9, 8, 1, voter])
        assert data.count(needle) == 1, voter
        found[voter] = data.index(needle)
    return found


async def test_after_a_secret_ballot_closes_nothing_links_a_voter_to_a_choice(
    world: World,
) -> None:
    voter_ids = list(range(2, 42))
    await populate(world, official(voter_ids))
    vote_id = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.SECRET, "Kỷ luật"))
    # Cast in a known, shuffled order: the first half approve, the second half disapprove.
    order = voter_ids[:]
    random.Random(7).shuffle(order)
    for index, voter in enumerate(order):
        await cast_secret(world, voter, vote_id, 0 if index < len(order) // 2 else 1)
    await world.services.voting.close(SECRETARY, GROUP, None)

    wal = world.path.with_name(world.path.name + "-wal")
    # The WAL is emptied: no frame of any ballot's transaction is left in it.
    assert not wal.exists() or wal.stat().st_size == 0
    data = world.path.read_bytes()
    # The register's records lie in key order (voter id), not in the order they were cast.
    offsets = record_offsets(data, voter_ids)
    by_place = sorted(voter_ids, key=lambda v: offsets[v])
    assert by_place in (sorted(voter_ids), sorted(voter_ids, reverse=True))
    assert by_place != order
    # No table holds both a voter and a choice of this vote; the box holds only counters.
    plain = sqlite3.connect(world.path)
    try:
        for (table,) in plain.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            columns = {row[1] for row in plain.execute(f'PRAGMA table_info("{table}")')}
            if {"voter_id", "option"} <= columns:
                rows = plain.execute(
                    f'SELECT COUNT(*) FROM "{table}" WHERE vote_id = ?', (vote_id,)
                ).fetchone()
                assert rows == (0,), table
        counts = plain.execute(
            "SELECT item, option, count FROM secret_counts WHERE vote_id = ?", (vote_id,)
        ).fetchall()
        assert sorted(counts) == [(0, 0, 20), (0, 1, 20)]
        register = plain.execute(
            "SELECT * FROM secret_register WHERE vote_id = ?", (vote_id,)
        ).fetchall()
        assert len(register) == 40 and all(len(row) == 3 for row in register)
        assert plain.execute(
            "SELECT secret_key FROM votes WHERE id = ?", (vote_id,)
        ).fetchone() == (None,)
    finally:
        plain.close()


async def test_a_sealed_button_tells_nothing_without_the_key() -> None:
    key = "11" * 32
    tokens = {seal(key, 1, 2, 0, 1 << option, cast=True) for option in range(3) for _ in range(5)}
    assert len(tokens) == 15  # a fresh nonce each time: equal choices never look alike


async def test_closing_the_meeting_closes_its_votes_and_puts_them_in_the_minutes(
    world: World,
) -> None:
    await populate(world, official(range(2, 6)))
    open_vote = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.OPEN, "Kế hoạch"))
    for user_id in (1, 2, 3):
        await world.services.voting.cast(person(user_id), GROUP, open_vote, 0, "o0")
    secret = await start(world, VoteRequest(VoteKind.ADMISSION, VoteMode.SECRET, "Phạm Văn D"))
    for user_id in (1, 2, 3, 4):
        await cast_secret(world, user_id, secret, 0)
    closed = await world.services.minutes.close(SECRETARY, GROUP)
    votes = closed.minutes.votes
    assert [v.title for v in votes] == ["Kế hoạch", "Phạm Văn D"]
    assert votes[0].passed is True and votes[0].open_names == {
        "Tán thành": ["Đảng viên 1", "Đảng viên 2", "Đảng viên 3"]
    }
    assert votes[1].counts["Tán thành"] == 4 and votes[1].open_names == {}
    assert votes[1].passed is True  # 4 of 5 official members: at least two thirds
    assert votes[1].denominator == 5
    # Once the closing transaction ended, the store was sealed: the WAL is empty.
    for _ in range(100):
        wal = world.path.with_name(world.path.name + "-wal")
        if not wal.exists() or wal.stat().st_size == 0:
            break
        await asyncio.sleep(0.05)
    assert not wal.exists() or wal.stat().st_size == 0
    async with world.database.reading() as uow:
        assert all(v.state.value == "closed" for v in await uow.votes.of_meeting(1))


async def test_kept_updates_of_secret_ballot_presses_are_emptied_at_closing(
    world: World,
) -> None:
    await populate(world, official(range(2, 4)))
    secret = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.SECRET, "Kỷ luật"))
    openly = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.OPEN, "Kế hoạch"))
    ballot = sent_ballots(world, 2, secret)
    # A press as Telegram delivers it: the data pressed, and the message with every button.
    keyboard = [
        [{"text": f"option {i}", "callback_data": f"vb:{secret}:0:{b.code}"}]
        for i, b in enumerate(ballot)
    ]
    press = json.dumps(
        {
            "update_id": 7,
            "callback_query": {
                "from": {"id": 2},
                "data": f"vb:{secret}:0:{ballot[1].code}",
                "message": {"reply_markup": {"inline_keyboard": keyboard}},
            },
        }
    )
    other = json.dumps(
        {"update_id": 8, "callback_query": {"from": {"id": 2}, "data": f"vb:{openly}:0:o0"}}
    )
    async with world.database.transaction() as uow:
        await uow.inbox.store([(7, press), (8, other)], NOW)
    await world.services.voting.close(SECRETARY, GROUP, secret)
    async with world.database.reading() as uow:
        kept = dict((i, p) for i, p, _ in await uow.inbox.pending())
    assert json.loads(kept[7]) == {"update_id": 7}
    assert kept[8] == other  # an open vote's press is no secret


async def test_recognition_names_a_probationary_member_by_number(world: World) -> None:
    await populate(world, [*official(range(2, 5)), (5, "probationary", True, "present")])
    with pytest.raises(BadInput, match="not a probationary member"):
        await start(world, VoteRequest(VoteKind.RECOGNITION, VoteMode.SECRET, member="2"))
    with pytest.raises(BadInput):
        await start(world, VoteRequest(VoteKind.RECOGNITION, VoteMode.SECRET, member="99"))
    vote_id = await start(world, VoteRequest(VoteKind.RECOGNITION, VoteMode.SECRET, member="5"))
    async with world.database.reading() as uow:
        vote = await uow.votes.get(vote_id)
    assert vote is not None and vote.subject == "Đảng viên 5" and vote.subjects == (5,)
    # The member being recognised is probationary: no ballot for them.
    assert sent_ballots(world, 5, vote_id) == []


async def test_classification_grades_each_member_and_warns_about_excellent(
    world: World,
) -> None:
    from bot.i18n import translator
    from bot.vote_texts import result_text

    await populate(world, [*official(range(2, 6)), (6, "probationary", True, "present")])
    vote_id = await start(world, VoteRequest(VoteKind.CLASSIFICATION, VoteMode.SECRET))
    async with world.database.reading() as uow:
        vote = await uow.votes.get(vote_id)
    assert vote is not None and vote.subjects == (1, 2, 3, 4, 5, 6)
    # Each of the five voters got one ballot per member; all say "excellent" for members 1
    # and 2, "good" for 3 to 5, "not complete" for 6.
    levels = {0: 0, 1: 0, 2: 1, 3: 1, 4: 1, 5: 3}
    for voter in range(1, 6):
        buttons = sent_ballots(world, voter, vote_id)
        assert len(buttons) == 6 * 4
        for item, level in levels.items():
            press = buttons[item * 4 + level]
            assert press.item == item
            await world.services.voting.cast(
                person(voter), private(person(voter)), vote_id, item, press.code
            )
    closed = await world.services.voting.close(SECRETARY, GROUP, None)
    graded = closed.outcome.classification
    assert graded is not None
    assert [s.grade.value if s.grade else None for s in graded.subjects] == [
        "excellent",
        "excellent",
        "good",
        "good",
        "good",
        "not_complete",
    ]
    assert graded.excellent_over_limit  # 2 excellent > 20 % of 3 good
    text = result_text(translator("vi"), closed.vote, closed.outcome)
    assert "vượt quá 20%" in text and "Đảng viên 6: Không hoàn thành nhiệm vụ" in text


async def test_an_absence_approved_before_the_meeting_counts_as_absent_with_reason(
    world: World,
) -> None:
    # 10 official members: 8 present, 2 not checked in, one of whom was excused beforehand.
    people = [*official(range(2, 9)), (9, "official", True, "expected")]
    people += [(10, "official", True, "expected")]
    await populate(world, people)
    async with world.database.raw_transaction() as conn:
        await conn.execute(
            "INSERT INTO attendance_replies (meeting_id, user_id, status, reason, updated_at)"
            " VALUES (1, 9, 'absent_with_reason', 'Đi biển', ?)",
            (NOW.isoformat(),),
        )
    resolution = await start(world, VoteRequest(VoteKind.RESOLUTION, VoteMode.OPEN, "A"))
    election = await start(
        world, VoteRequest(VoteKind.ELECTION, VoteMode.SECRET, "", ("An", "Bình"), 2)
    )
    for user_id in range(1, 6):  # 5 approve: more than half of 9, not of 10
        await world.services.voting.cast(person(user_id), GROUP, resolution, 0, "o0")
    first = await world.services.voting.close(SECRETARY, GROUP, 1)
    assert first.outcome.denominator.value == 9 and first.outcome.denominator.excused == 1
    assert first.outcome.question is not None and first.outcome.question.passed
    second = await world.services.voting.close(SECRETARY, GROUP, 2)
    assert second.vote.id == election
    assert second.outcome.denominator.value == 10  # an election counts them all


async def test_a_vote_may_have_its_own_threshold_and_denominator(world: World) -> None:
    from bot.domain.votes import TWO_THIRDS, Basis

    await populate(world, [*official(range(2, 10)), (10, "official", True, "absent")])
    vote_id = await start(
        world,
        VoteRequest(
            VoteKind.RESOLUTION,
            VoteMode.OPEN,
            "Sửa quy chế",
            basis=Basis.PRESENT,
            threshold=TWO_THIRDS,
        ),
    )
    for user_id in range(1, 7):  # 6 of the 9 present: exactly two thirds
        await world.services.voting.cast(person(user_id), GROUP, vote_id, 0, "o0")
    closed = await world.services.voting.close(SECRETARY, GROUP, None)
    assert closed.outcome.threshold == TWO_THIRDS
    assert closed.outcome.denominator.value == 9  # present, not the 10 summoned
    assert closed.outcome.question is not None and closed.outcome.question.passed
