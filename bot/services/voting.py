"""Votes during an open meeting: start, cast (open or secret), close, and the result.

Every press is answered only after its ballot is committed. A secret ballot is written in one
transaction as a register row (who has voted) and counter increments (what was chosen), never
as a row linking the two; its buttons are sealed with the vote's key, erased at closing, after
which the store is sealed (rewritten, its WAL emptied).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.access import Action
from bot.domain.cells import Cell, Kind, Membership, Status
from bot.domain.identity import ChatRef, Identity, User
from bot.domain.meetings import Meeting
from bot.domain.messages import CastBallot, Choice, Content, Letter, Person
from bot.domain.minutes import VoteRecord
from bot.domain.votes import (
    DEFAULTS,
    GRADE_LABELS,
    GRADES,
    INELIGIBLE_REASONS,
    KIND_LABELS,
    QUESTION_OPTIONS,
    Basis,
    RollLine,
    Threshold,
    Vote,
    VoteKind,
    VoteMode,
    VoteState,
)
from bot.errors import BadInput, NotFound, Refused
from bot.i18n import N_, Translator, translator
from bot.ports import Clock, Store, UnitOfWork
from bot.rules.sealing import MASK_BITS, new_key, seal, unseal
from bot.rules.tally import Outcome, check_candidates, denominator, eligibility, judge
from bot.services.access import Access
from bot.services.delivery import DeliveryService
from bot.vote_texts import ballot_text, denominator_words, threshold_words

logger = logging.getLogger(__name__)

SUBJECT_MAX = 300
MAX_CLASSIFIED = 60
NO_MEETING_OPEN = N_("No meeting of this cell is open: votes are taken during a meeting (/open).")
VOTE_CLOSED = N_("This vote is closed; its result stands.")
NO_SUCH_VOTE = N_("No such vote in this meeting.")
STALE_BALLOT = N_("This ballot button is not valid (old or altered): nothing was recorded.")
SECRET_FINAL = N_("You have voted already: a secret ballot is final and cannot be changed.")
NO_BALLOTS = N_("You have no ballot waiting: no vote you may take part in is running.")
SECRET_IN_PRIVATE = N_(
    "A secret ballot is cast only in your private chat with the bot, never in the group."
)


@dataclass(frozen=True)
class VoteRequest:
    """What a leader asks to vote on."""

    kind: VoteKind
    mode: VoteMode
    subject: str = ""
    candidates: tuple[str, ...] = ()
    seats: int = 1
    member: str | None = None  # recognition: the member's roster number or @username
    basis: Basis | None = None
    threshold: Threshold | None = None


@dataclass(frozen=True)
class Tally:
    """How far a running vote is: who has voted of those who may."""

    voted: int
    eligible: int


@dataclass(frozen=True)
class Progress:
    """A vote, its cell, how many have voted, and its message in the group (if posted)."""

    vote: Vote
    cell: Cell
    tally: Tally
    message: tuple[str, int] | None


@dataclass(frozen=True)
class Started:
    """A vote just opened, with the private ballots sent for it."""

    vote: Vote
    cell: Cell
    tally: Tally
    language: str
    ballots_sent: int
    ballots_missed: tuple[User, ...]


@dataclass(frozen=True)
class Cast:
    """A ballot committed (or, for an election's secret ballot, the ticks to show again)."""

    vote: Vote
    choices: frozenset[int]
    final: bool  # cast; False: only the ticks of a secret election ballot changed
    ballot: Content | None = None  # the secret ballot again, with new buttons


@dataclass(frozen=True)
class Closed:
    """A vote closed, judged from its stored ballots."""

    vote: Vote
    outcome: Outcome
    language: str


def _clean(text: str) -> str:
    return " ".join(text.split())


async def _names(uow: UnitOfWork, user_ids: Sequence[int]) -> dict[int, str]:
    found = {}
    for user_id in user_ids:
        user = await uow.users.get_by_id(user_id)
        found[user_id] = user.name if user else str(user_id)
    return found


async def close_vote(
    uow: UnitOfWork, vote: Vote, closed_by: int | None, now: datetime
) -> Outcome | None:
    """Judge a running vote from its stored ballots and close it for good (None: closed
    already). Open votes keep who chose what in the result (it goes into the minutes)."""
    roll = await uow.votes.roll(vote.meeting_id)
    counts, ballots = await uow.votes.counts(vote.id)
    outcome = judge(
        vote.kind,
        vote.threshold,
        denominator(roll, vote.basis),
        counts,
        ballots,
        options=vote.options,
        seats=vote.seats,
    )
    extra: dict[str, object] = {
        "number": vote.number,
        "mode": vote.mode.value,
        "subject": vote.subject,
        "item": vote.item,
    }
    if vote.mode is VoteMode.OPEN:
        rows = await uow.votes.open_ballots(vote.id)
        names = await _names(uow, sorted({voter for voter, _, _ in rows}))
        extra["open_ballots"] = [[names[voter], item, option] for voter, item, option in rows]
    outcome = Outcome(
        outcome.kind,
        outcome.threshold,
        outcome.denominator,
        outcome.question,
        outcome.election,
        outcome.classification,
        extra,
    )
    if not await uow.votes.close(vote.id, outcome.to_json(), closed_by, now):
        return None
    return outcome


async def close_open_votes(uow: UnitOfWork, meeting_id: int, now: datetime) -> list[Closed]:
    """Close every vote still running in a meeting (the meeting closes), in the caller's
    transaction. After it commits, if any closed vote was secret, call ``store.seal()``
    (``VotingService.sealed_if_secret`` does it)."""
    closed = []
    for vote in await uow.votes.of_meeting(meeting_id, open_only=True):
        outcome = await close_vote(uow, vote, None, now)
        if outcome is not None:
            again = await uow.votes.get(vote.id)
            cell = await uow.cells.get(vote.cell_id)
            closed.append(Closed(again or vote, outcome, cell.language if cell else "vi"))
    return closed


class VotingService:
    """Votes of a running meeting, checked against the caller's place in its cell."""

    def __init__(
        self, store: Store, clock: Clock, access: Access, delivery: DeliveryService
    ) -> None:
        self.store = store
        self.clock = clock
        self.access = access
        self.delivery = delivery
        self._sealing: set[asyncio.Task[None]] = set()

    # --- starting ------------------------------------------------------------------------

    async def start(self, identity: Identity, chat: ChatRef, request: VoteRequest) -> Started:
        """Open a vote under the meeting's current agenda item; secret ballots (and every
        classification ballot) go to each eligible member privately."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, actor = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
            running = await uow.votes.running(cell.id)
            if running is None:
                raise BadInput(NO_MEETING_OPEN)
            meeting_id, position = running
            roll = await uow.votes.roll(meeting_id)
            subject, options, subjects = await self._what(uow, cell.id, request, roll)
            basis, threshold = DEFAULTS[request.kind]
            vote = await uow.votes.insert(
                meeting_id=meeting_id,
                position=position,
                kind=request.kind,
                mode=request.mode,
                subject=subject,
                options=options,
                subjects=subjects,
                seats=request.seats if request.kind is VoteKind.ELECTION else 1,
                threshold=request.threshold or threshold,
                basis=request.basis or basis,
                secret_key=new_key() if request.mode is VoteMode.SECRET else None,
                created_by=actor.user_id or 0,
                now=now,
            )
            voters = [
                user
                for line in roll
                if eligibility(line) is None
                and (user := await uow.users.get_by_id(line.user_id)) is not None
            ]
            key = await uow.votes.secret_key(vote.id)
        letters = []
        privately = vote.mode is VoteMode.SECRET or vote.kind is VoteKind.CLASSIFICATION
        for user in voters:
            # An open vote is voted in the group; whoever is not there (a cell run from Zalo
            # private chats, a member on another channel) gets the ballot privately.
            if privately or not cell.sees_group(user):
                tr = translator(user.language or cell.language)
                for item in range(vote.items):
                    letters.append(
                        Letter(
                            f"ballot:{vote.id}",
                            f"{user.id}:{item}",
                            Person(user),
                            ballot_content(tr, vote, user.id, item, key, frozenset()),
                        )
                    )
        report = await self.delivery.deliver(letters) if letters else None
        missed = tuple(
            user
            for user in voters
            if report is not None
            and any(letter.to == Person(user) and not report.reached(letter) for letter in letters)
        )
        return Started(
            vote,
            cell,
            Tally(0, len(voters)),
            cell.language,
            len(voters) - len(missed) if letters else 0,
            missed,
        )

    async def _what(
        self, uow: UnitOfWork, cell_id: int, request: VoteRequest, roll: Sequence[RollLine]
    ) -> tuple[str, tuple[str, ...], tuple[int, ...]]:
        """The subject, options and members classified of a request, checked."""
        subject = _clean(request.subject)
        if len(subject) > SUBJECT_MAX:
            raise BadInput(
                N_("The subject is too long (at most {most} characters)."), most=SUBJECT_MAX
            )
        kind = request.kind
        if kind is VoteKind.ELECTION:
            if request.mode is VoteMode.OPEN:
                raise BadInput(
                    N_(
                        "Elections are by secret ballot (party election rules): use "
                        '/vote election secret SEATS "A; B; C".'
                    )
                )
            candidates = tuple(_clean(c) for c in request.candidates)
            check_candidates(candidates, request.seats)
            if len(candidates) > MASK_BITS:
                raise BadInput(N_("Give from 1 to {most} candidates, separated by ';'."), most=30)
            return subject, candidates, ()
        if kind is VoteKind.CLASSIFICATION:
            members = [
                line.user_id
                for line in roll
                if line.kind in ("official", "probationary") and line.summoned
            ]
            if not members:
                raise BadInput(N_("Nobody on this meeting's roll can be classified."))
            members = members[:MAX_CLASSIFIED]
            names = await _names(uow, members)
            return subject, tuple(names[m] for m in members), tuple(members)
        if kind is VoteKind.RECOGNITION:
            membership = await self._member(uow, cell_id, request.member or subject)
            if membership.kind is not Kind.PROBATIONARY:
                raise BadInput(
                    N_(
                        "{name} is not a probationary member: only a probationary member is "
                        "recognised as official."
                    ),
                    name=membership.user.name,
                )
            return membership.user.name, (), (membership.user.id,)
        if not subject:
            if kind is VoteKind.ADMISSION:
                raise BadInput(N_('Say whom the cell votes to admit: /vote admit "Full Name".'))
            raise BadInput(N_('Say what the vote is about: /vote resolution open "Subject".'))
        return subject, (), ()

    @staticmethod
    async def _member(uow: UnitOfWork, cell_id: int, ref: str) -> Membership:
        ref = ref.strip()
        found = None
        if ref.isdigit():
            found = await uow.memberships.get_by_number(cell_id, int(ref))
        elif ref.startswith("@") and len(ref) > 1:
            matches = await uow.memberships.find_by_username(cell_id, ref[1:])
            found = matches[0] if len(matches) == 1 else None
        if found is None or found.status is not Status.ACTIVE:
            raise BadInput(
                N_(
                    "Name the probationary member by roster number or @username: "
                    "/vote recognize 5."
                )
            )
        return found

    async def check_may_start(self, identity: Identity, chat: ChatRef) -> None:
        """Refuse (before a guided /vote begins) anyone but a leader, or no meeting open."""
        async with self.store.reading() as uow:
            cell, _ = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
            if await uow.votes.running(cell.id) is None:
                raise BadInput(NO_MEETING_OPEN)

    async def set_message(self, vote_id: int, chat_id: str, message_id: int) -> None:
        """Where the vote's message is in the group (its live count is edited there)."""
        async with self.store.atomic() as uow:
            await uow.votes.set_message(vote_id, chat_id, message_id)

    async def tally(self, vote_id: int) -> Progress | None:
        """A vote's count of who has voted, its group message and its cell."""
        async with self.store.reading() as uow:
            vote = await uow.votes.get(vote_id)
            if vote is None:
                return None
            roll = await uow.votes.roll(vote.meeting_id)
            voted = await uow.votes.voters(vote_id)
            message = await uow.votes.message(vote_id)
            cell = await uow.cells.get(vote.cell_id)
        if cell is None:
            return None
        eligible = sum(1 for line in roll if eligibility(line) is None)
        return Progress(vote, cell, Tally(voted, eligible), message)

    # --- casting -------------------------------------------------------------------------

    async def _voter(self, uow: UnitOfWork, identity: Identity, vote_id: int) -> tuple[Vote, User]:
        """The running vote and the presser, once they may vote in it (one roll line read:
        a press must not cost a read of the whole roll)."""
        vote = await uow.votes.get(vote_id)
        if vote is None:
            raise Refused(STALE_BALLOT)
        if vote.state is VoteState.CLOSED:
            raise Refused(VOTE_CLOSED)
        user = await uow.users.get(identity.channel, identity.external_id)
        line = await uow.votes.roll_line(vote.meeting_id, user.id) if user else None
        reason = eligibility(line)
        if reason is not None or user is None:
            raise Refused(INELIGIBLE_REASONS[reason] if reason else STALE_BALLOT)
        return vote, user

    async def cast(
        self, identity: Identity, chat: ChatRef, vote_id: int, item: int, code: str
    ) -> Cast:
        """A ballot button pressed: an open choice (changeable until closing), a tick on a
        secret election ballot, or a secret ballot cast for good."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            vote, user = await self._voter(uow, identity, vote_id)
            if not 0 <= item < vote.items:
                raise Refused(STALE_BALLOT)
            if vote.mode is VoteMode.SECRET:
                if not chat.is_private or code.startswith("o"):
                    raise Refused(SECRET_IN_PRIVATE)
                key = await uow.votes.secret_key(vote.id)
                opened = unseal(key, vote.id, user.id, item, code) if key else None
                if opened is None:
                    raise Refused(STALE_BALLOT)
                mask, final = opened
                chosen = frozenset(i for i in range(MASK_BITS) if mask >> i & 1)
                if any(i >= vote.choices(item) for i in chosen):
                    raise Refused(STALE_BALLOT)
                if item in await uow.votes.has_voted(vote.id, user.id):
                    raise Refused(SECRET_FINAL)
                if len(chosen) > vote.seats or (not vote.multiple and len(chosen) != 1):
                    raise BadInput(N_("Choose at most {seats}."), seats=vote.seats)
                if not final:
                    tr = translator(user.language or "vi")
                    again = ballot_content(tr, vote, user.id, item, key, chosen)
                    return Cast(vote, chosen, False, again)
                if not await uow.votes.cast_secret(vote.id, user.id, item, chosen):
                    raise Refused(SECRET_FINAL)
                # The choice is neither logged nor returned: the voter's own screen shows it.
                return Cast(vote, frozenset(), True)
            if not code.startswith("o") or not code[1:].isdigit():
                raise Refused(STALE_BALLOT)
            option = int(code[1:])
            if option >= vote.choices(item):
                raise Refused(STALE_BALLOT)
            mine = (await uow.votes.open_choices(vote.id, user.id)).get(item, frozenset())
            if vote.multiple:
                mine = mine ^ {option}
                if len(mine) > vote.seats:
                    raise BadInput(N_("Choose at most {seats}."), seats=vote.seats)
            else:
                mine = frozenset({option})
            await uow.votes.cast_open(vote.id, user.id, item, mine, now)
            return Cast(vote, frozenset(mine), True)

    async def my_ballots(self, identity: Identity) -> list[Content]:
        """The caller's ballots of every vote running in their cells that they may still
        answer (on Zalo: /ballot)."""
        contents: list[Content] = []
        async with self.store.reading() as uow:
            user = await uow.users.get(identity.channel, identity.external_id)
            cells = await uow.memberships.of_user(user.id) if user else []
            votes = []
            for cell, _ in cells:
                running = await uow.votes.running(cell.id)
                if running is not None:
                    votes += await uow.votes.of_meeting(running[0], open_only=True)
        for vote in votes:
            try:
                _, found = await self.ballot_for(identity, vote.id)
            except Refused:
                continue
            contents += found
        return contents

    async def ballot_for(self, identity: Identity, vote_id: int) -> tuple[User, list[Content]]:
        """The presser's own ballot again (a secret one, or a classification), for their
        private chat: the questions they have not answered yet."""
        async with self.store.reading() as uow:
            vote, user = await self._voter(uow, identity, vote_id)
            done = await uow.votes.has_voted(vote.id, user.id)
            key = await uow.votes.secret_key(vote.id)
            cell = await uow.cells.get(vote.cell_id)
        if vote.mode is VoteMode.SECRET and len(done) == vote.items:
            raise Refused(SECRET_FINAL)
        tr = translator(user.language or (cell.language if cell else "vi"))
        items = [i for i in range(vote.items) if vote.mode is VoteMode.OPEN or i not in done]
        return user, [ballot_content(tr, vote, user.id, i, key, frozenset()) for i in items]

    # --- closing -------------------------------------------------------------------------

    async def close(self, identity: Identity, chat: ChatRef, number: int | None) -> Closed:
        """The chair closes a running vote (by number, or the only one running): final."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            cell, actor = await self.access.cell_for(uow, identity, chat, Action.MANAGE_MEETINGS)
            running = await uow.votes.running(cell.id)
            if running is None:
                raise BadInput(NO_MEETING_OPEN)
            votes = await uow.votes.of_meeting(running[0])
            if number is None:
                live = [v for v in votes if v.state is VoteState.OPEN]
                if len(live) != 1:
                    raise BadInput(
                        N_("Say which vote to close: /endvote N (running: {numbers})."),
                        numbers=", ".join(str(v.number) for v in live) or "-",
                    )
                vote = live[0]
            else:
                found = [v for v in votes if v.number == number]
                if not found:
                    raise NotFound(NO_SUCH_VOTE)
                vote = found[0]
            closed = await self._close(uow, vote, actor.user_id, now, cell.language)
        await self.sealed_if_secret([closed])
        return closed

    async def close_by_button(self, identity: Identity, chat: ChatRef, vote_id: int) -> Closed:
        """The chair's close button under a vote."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            vote = await uow.votes.get(vote_id)
            if vote is None:
                raise Refused(STALE_BALLOT)
            cell = await uow.cells.get(vote.cell_id)
            if cell is None or not await self.access.chat_may_show(uow, chat, cell):
                raise Refused(STALE_BALLOT)
            actor, _ = await self.access.actor_in(uow, identity, cell)
            self.access.require(actor, Action.MANAGE_MEETINGS)
            closed = await self._close(uow, vote, actor.user_id, now, cell.language)
        await self.sealed_if_secret([closed])
        return closed

    @staticmethod
    async def _close(
        uow: UnitOfWork, vote: Vote, by: int | None, now: datetime, language: str
    ) -> Closed:
        if vote.state is VoteState.CLOSED:
            raise Refused(VOTE_CLOSED)
        outcome = await close_vote(uow, vote, by, now)
        if outcome is None:
            raise Refused(VOTE_CLOSED)
        again = await uow.votes.get(vote.id)
        return Closed(again or vote, outcome, language)

    async def sealed_if_secret(self, closed: Sequence[Closed]) -> None:
        """After secret votes closed (and committed): rewrite the store, empty its WAL."""
        if any(c.vote.mode is VoteMode.SECRET for c in closed):
            await self.store.seal()

    async def vote_records(self, uow: UnitOfWork, meeting: Meeting) -> list[VoteRecord]:
        """The meeting closes (in the caller's transaction): its running votes are closed,
        and every vote of the meeting is stated for the minutes. When a secret vote was
        closed here, the store is sealed once that transaction has ended (the seal waits for
        the store's write lock, which the transaction holds)."""
        closed = await close_open_votes(uow, meeting.id, self.clock.now())
        if any(c.vote.mode is VoteMode.SECRET for c in closed):
            task = asyncio.create_task(self.store.seal(), name=f"seal:{meeting.id}")
            self._sealing.add(task)
            task.add_done_callback(self._sealing.discard)
        cell = await uow.cells.get(meeting.cell_id)
        tr = translator(cell.language if cell else "vi")
        records = []
        for vote in await uow.votes.of_meeting(meeting.id):
            if vote.result is not None:
                records.append(vote_record(tr, vote, Outcome.from_json(vote.result)))
        return records

    async def results(self, meeting_id: int) -> list[tuple[Vote, Outcome]]:
        """A meeting's closed votes with their results, by number (for the minutes)."""
        async with self.store.reading() as uow:
            votes = await uow.votes.of_meeting(meeting_id)
        return [(v, Outcome.from_json(v.result)) for v in votes if v.result is not None]


def option_labels(tr: Translator, vote: Vote, item: int = 0) -> list[str]:
    """The options of one question, in the reader's language."""
    if vote.kind is VoteKind.ELECTION:
        return list(vote.options)
    if vote.kind is VoteKind.CLASSIFICATION:
        return [tr.gettext(GRADE_LABELS[g]) for g in GRADES]
    return [tr.gettext(label) for label in QUESTION_OPTIONS]


def ballot_content(
    tr: Translator,
    vote: Vote,
    voter_id: int,
    item: int,
    key: str | None,
    ticked: frozenset[int],
) -> Content:
    """A private ballot: a question with one button per option; a secret ballot's buttons
    are sealed for this voter (an election's tick candidates, then cast)."""
    labels = option_labels(tr, vote, item)
    rows: list[tuple[Choice, ...]] = []
    for index, label in enumerate(labels):
        if vote.mode is VoteMode.SECRET and key is not None:
            if vote.multiple:
                code = seal(key, vote.id, voter_id, item, _toggle(ticked, index), cast=False)
                label = ("☑️ " if index in ticked else "⬜ ") + label
            else:
                code = seal(key, vote.id, voter_id, item, 1 << index, cast=True)
        else:
            code = f"o{index}"
        rows.append((Choice(label, CastBallot(vote.id, item, code)),))
    if vote.multiple and vote.mode is VoteMode.SECRET and key is not None:
        mask = sum(1 << i for i in ticked)
        rows.append(
            (
                Choice(
                    tr.gettext("🗳 Cast the ballot ({n} chosen)", n=len(ticked)),
                    CastBallot(vote.id, item, seal(key, vote.id, voter_id, item, mask, cast=True)),
                ),
            )
        )
    return Content(ballot_text(tr, vote, item), tuple(rows))


def _toggle(ticked: frozenset[int], index: int) -> int:
    return sum(1 << i for i in ticked ^ {index})


def vote_record(tr: Translator, vote: Vote, outcome: Outcome) -> VoteRecord:
    """One closed vote as the minutes state it, in the minutes' language."""
    den = outcome.denominator
    counts: dict[str, int] = {}
    names: dict[str, list[str]] = {}
    labels: list[str] = []
    verdict = ""
    passed: bool | None = None
    if outcome.question is not None:
        q = outcome.question
        labels = option_labels(tr, vote)
        counts = dict(zip(labels, (q.approve, q.disapprove, q.abstain), strict=True))
        passed = q.passed
        verdict = (
            tr.gettext("passed (thông qua)")
            if q.passed
            else tr.gettext("not passed (không thông qua)")
        )
    elif outcome.election is not None:
        e = outcome.election
        labels = list(vote.options)
        counts = {c.name: c.votes for c in e.candidates}
        passed = bool(e.elected)
        verdict = tr.gettext(
            "elected (trúng cử): {names}", names=", ".join(e.elected) or tr.gettext("nobody")
        )
        if e.remaining:
            verdict += "; " + tr.gettext("{n} seats left for a further round", n=e.remaining)
    elif outcome.classification is not None:
        grades = option_labels(tr, vote)
        parts = []
        for subject in outcome.classification.subjects:
            for label, count in zip(grades, subject.counts, strict=True):
                if count:
                    counts[f"{subject.name}: {label}"] = count
            level = tr.gettext(GRADE_LABELS[subject.grade]) if subject.grade else "?"
            parts.append(f"{subject.name}: {level}")
        verdict = "; ".join(parts)
    entries = outcome.extra.get("open_ballots")
    for entry in entries if isinstance(entries, list) else []:
        name, item, option = entry
        if vote.kind is VoteKind.CLASSIFICATION:
            label = f"{vote.options[int(item)]}: {option_labels(tr, vote)[int(option)]}"
        else:
            label = labels[int(option)] if int(option) < len(labels) else str(option)
        names.setdefault(label, []).append(str(name))
    return VoteRecord(
        title=vote.subject or tr.gettext(KIND_LABELS[vote.kind]),
        kind=vote.kind.value,
        mode=vote.mode.value,
        counts=counts,
        present=den.present_eligible,
        denominator=den.value,
        denominator_text=denominator_words(tr, den),
        threshold=threshold_words(tr, outcome.threshold),
        outcome=verdict,
        passed=passed,
        open_names=names,
    )
