"""One delivery service for every fan-out: claim in the ledger, send through the Notifier,
settle. At most once, never silently lost:

- delivered or unreachable: settled as such;
- not delivered for a passing reason (429, 5xx, no connection): the claim is given back and
  the fan-out stops; the caller retries while the message is still useful (reminders re-arm
  their job; notices are kept in the outbox and retried by a ``notice:<topic>`` job);
- unknown (sent, no answer; or claimed when the bot stopped): settled as unknown, never sent
  again, and shown to the leaders.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.messages import Group, Letter, Outcome, Person, Recipient, retry_delay
from bot.ports import Clock, DeliveryState, KeptLetter, Notifier, Scheduler, Store, UnitOfWork

logger = logging.getLogger(__name__)

NOTICE_JOB = "notice:"
# A notice nobody could get for this long is given up (logged); callers may say less.
NOTICE_USEFUL_FOR = timedelta(days=1)


def notice_job(topic: str) -> str:
    """The job that retries the kept letters of one topic."""
    return NOTICE_JOB + topic


@dataclass
class Report:
    """How a fan-out went, letter by letter."""

    delivered: list[Letter] = field(default_factory=list)
    unreachable: list[Letter] = field(default_factory=list)
    already: list[Letter] = field(default_factory=list)  # claimed by an earlier run
    unknown: list[Letter] = field(default_factory=list)  # sent, outcome unknown: never again
    failed: list[Letter] = field(default_factory=list)  # passing failure: retry later
    left: list[Letter] = field(default_factory=list)  # not settled: the failed one and the rest

    @property
    def interrupted(self) -> bool:
        """The fan-out stopped early; what is left waits for a retry."""
        return bool(self.left)

    def reached(self, letter: Letter) -> bool:
        """Whether that letter got through (now or in an earlier run)."""
        return letter in self.delivered or letter in self.already


class DeliveryService:
    """Claim -> Notifier -> settle, for each letter of a fan-out."""

    def __init__(
        self, store: Store, notifier: Notifier, clock: Clock, scheduler: Scheduler
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.clock = clock
        self.scheduler = scheduler

    async def send(self, letter: Letter, *, until: datetime | None = None) -> Outcome:
        """Deliver one letter (a notice after a committed change), kept for retries on a
        passing failure; its outcome now."""
        report = await self.deliver([letter], until=until)
        if report.failed:
            return Outcome.FAILED
        if report.unknown:
            return Outcome.UNKNOWN
        return Outcome.UNREACHABLE if report.unreachable else Outcome.DELIVERED

    async def fan_out(self, letters: Iterable[Letter]) -> Report:
        """Deliver letters in order; stop at the first passing failure or unknown outcome
        (the channel is throttled, down or slow: the retry continues where this one
        stopped, and never resends what may have arrived)."""
        report = Report()
        pending = list(letters)
        for index, letter in enumerate(pending):
            if isinstance(letter.to, Person) and not letter.to.user.may_be_messaged:
                report.unreachable.append(letter)
                continue
            # Claims and releases are single statements: atomic on their own (no BEGIN/COMMIT
            # round trips).
            async with self.store.atomic() as uow:
                claimed = await uow.deliveries.claim(letter.topic, letter.key, self.clock.now())
            if not claimed:
                report.already.append(letter)
                continue
            outcome = await self.notifier.send(letter.to, letter.content)
            if outcome is Outcome.FAILED:
                async with self.store.atomic() as uow:
                    await uow.deliveries.release(letter.topic, letter.key)
                report.failed.append(letter)
                report.left = pending[index:]
                logger.warning("%s to %s not delivered; will retry", letter.topic, letter.key)
                break
            if outcome is Outcome.UNREACHABLE and isinstance(letter.to, Person):
                async with self.store.transaction() as uow:  # two writes: one transaction
                    await self._settle(uow, letter, outcome, report)
            else:
                async with self.store.atomic() as uow:
                    await self._settle(uow, letter, outcome, report)
            if outcome is Outcome.UNKNOWN:
                report.left = pending[index + 1 :]
                logger.warning(
                    "%s to %s: outcome unknown (maybe delivered), not resent",
                    letter.topic,
                    letter.key,
                )
                if report.left:
                    break
        return report

    async def _settle(
        self, uow: UnitOfWork, letter: Letter, outcome: Outcome, report: Report
    ) -> None:
        if outcome is Outcome.DELIVERED:
            state = DeliveryState.DELIVERED
            report.delivered.append(letter)
        elif outcome is Outcome.UNKNOWN:
            state = DeliveryState.UNKNOWN
            report.unknown.append(letter)
        else:
            state = (
                DeliveryState.REFUSED if outcome is Outcome.REFUSED else DeliveryState.UNREACHABLE
            )
            report.unreachable.append(letter)
            # A refusal for the channel's own reason (its budget) says nothing of the person.
            if outcome is Outcome.UNREACHABLE and isinstance(letter.to, Person):
                # Every account of the person was tried and none could be reached.
                await uow.users.set_reachable(letter.to.user.id, False)
                for account in letter.to.user.accounts:
                    await uow.users.set_reachable(account.user_id, False)
        await uow.deliveries.settle(letter.topic, letter.key, state, self.clock.now())

    # --- notices: kept and retried -------------------------------------------------------------

    async def deliver(self, letters: Iterable[Letter], *, until: datetime | None = None) -> Report:
        """A fan-out of notices: what a passing failure (or an unknown outcome) left unsent
        is kept in the outbox and retried by a job until ``until`` (a day by default)."""
        report = await self.fan_out(letters)
        if report.left:
            deadline = until or self.clock.now() + NOTICE_USEFUL_FOR
            async with self.store.transaction() as uow:
                await uow.outbox.keep(report.left, deadline)
            for topic in dict.fromkeys(letter.topic for letter in report.left):
                self.scheduler.arm(notice_job(topic), retry_delay(1))
        return report

    async def retry(self, topic: str) -> None:
        """The job of a topic's kept letters: send them again; keep what is still left."""
        now = self.clock.now()
        async with self.store.transaction() as uow:
            kept = await uow.outbox.of_topic(topic)
            if not kept:
                return
            if now >= kept[0].until:
                await uow.outbox.drop(topic)
                logger.warning(
                    "gave up %s: %d letters could not be delivered in time", topic, len(kept)
                )
                return
            attempt = await uow.outbox.count_attempt(topic)
            letters = [letter for k in kept if (letter := await _rebuilt(uow, k)) is not None]
        report = await self.fan_out(letters)
        left = {letter.key for letter in report.left}
        async with self.store.transaction() as uow:
            await uow.outbox.drop(topic, [k.key for k in kept if k.key not in left])
        if left:
            self.scheduler.arm(notice_job(topic), retry_delay(attempt + 1))

    async def start(self) -> int:
        """At start: claims a stopped bot left behind become unknown (never resent), and
        kept notices get their retry job again. The number of stale claims."""
        async with self.store.transaction() as uow:
            stale = await uow.deliveries.settle_stale_claims(self.clock.now())
            topics = await uow.outbox.topics()
        if stale:
            logger.warning(
                "%d sends were in flight when the bot stopped: recorded as unknown", stale
            )
        for topic in topics:
            self.scheduler.arm(notice_job(topic), timedelta(0))
        return stale


async def _rebuilt(uow: UnitOfWork, kept: KeptLetter) -> Letter | None:
    """A kept letter with its recipient as the store knows them now (None if gone)."""
    to: Recipient
    if kept.group:
        cell = await uow.cells.get(kept.to_id)
        if cell is None or not cell.bot_present:
            return None
        to = Group(cell)
    else:
        user = await uow.users.get_by_id(kept.to_id)
        if user is None:
            return None
        to = Person(user)
    return Letter(kept.topic, kept.key, to, kept.content)
