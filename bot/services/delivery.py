"""One delivery service for every fan-out: claim in the ledger, send through the Notifier,
settle. Nobody gets the same message twice, across restarts too; a passing failure gives the
claim back so that a retry sends it."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.domain.messages import Letter, Outcome, Person
from bot.ports import Clock, DeliveryState, Notifier, Store

logger = logging.getLogger(__name__)


@dataclass
class Report:
    """How a fan-out went, letter by letter."""

    delivered: list[Letter] = field(default_factory=list)
    unreachable: list[Letter] = field(default_factory=list)
    already: list[Letter] = field(default_factory=list)  # claimed by an earlier run
    failed: list[Letter] = field(default_factory=list)  # passing failure: retry later

    @property
    def interrupted(self) -> bool:
        """A passing failure stopped the fan-out; the rest waits for a retry."""
        return bool(self.failed)

    def reached(self, letter: Letter) -> bool:
        """Whether that letter got through (now or in an earlier run)."""
        return letter in self.delivered or letter in self.already


class DeliveryService:
    """Claim -> Notifier -> settle, for each letter of a fan-out."""

    def __init__(self, store: Store, notifier: Notifier, clock: Clock) -> None:
        self.store = store
        self.notifier = notifier
        self.clock = clock

    async def send(self, letter: Letter) -> Outcome:
        """Deliver one letter (a notice after a committed change); its outcome."""
        report = await self.fan_out([letter])
        if report.failed:
            return Outcome.FAILED
        return Outcome.UNREACHABLE if report.unreachable else Outcome.DELIVERED

    async def fan_out(self, letters: Iterable[Letter]) -> Report:
        """Deliver letters in order; stop at the first passing failure (the channel is
        throttled or down: the retry continues where this one stopped)."""
        report = Report()
        for letter in letters:
            if isinstance(letter.to, Person) and not letter.to.user.may_be_messaged:
                report.unreachable.append(letter)
                continue
            # Claims, releases and settlements are single statements: atomic on their own.
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
                logger.warning("%s to %s not delivered; will retry", letter.topic, letter.key)
                break
            if outcome is Outcome.DELIVERED:
                report.delivered.append(letter)
                async with self.store.atomic() as uow:
                    await uow.deliveries.settle(
                        letter.topic, letter.key, DeliveryState.DELIVERED, self.clock.now()
                    )
                continue
            report.unreachable.append(letter)
            async with self.store.transaction() as uow:
                if isinstance(letter.to, Person):
                    await uow.users.set_reachable(letter.to.user.id, False)
                await uow.deliveries.settle(
                    letter.topic, letter.key, DeliveryState.UNREACHABLE, self.clock.now()
                )
        return report
