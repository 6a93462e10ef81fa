"""The Zalo Notifier and its SQLite state: numbered choices kept per person with an expiry,
documents never sent, Zalo's errors as outcomes, updates recognised when redelivered."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.clock import FakeClock
from bot.domain.cells import Cell
from bot.domain.identity import Identity, User
from bot.domain.meetings import DocumentRef
from bot.domain.messages import AnswerSummons, Choice, Content, Group, Outcome, Person
from bot.i18n import translator
from bot.services.channels import ChannelNotifier
from handlers.telegram import callback_data as cd
from handlers.zalo.budget import MonthlyBudget, reserve_of
from handlers.zalo.client import ZaloClient
from handlers.zalo.notifier import CHOICE_TTL, ZaloNotifier
from storage.sqlite.db import Database
from storage.sqlite.zalo import Budget, SqliteZaloState
from tests.fakes import RecordingNotifier
from tests.harness.zalo_server import FakeZalo, FakeZaloServer

TOKEN = "12345689:abc-xyz"
NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)
CHOICES = (
    (
        Choice("Sẽ tham dự", AnswerSummons(7, True)),
        Choice("Xin vắng", AnswerSummons(7, False)),
    ),
)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    db = Database(tmp_path / "z.sqlite3")
    await db.connect()
    yield db
    await db.close()


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    platform = FakeZalo(token=TOKEN)
    with FakeZaloServer(platform) as server:
        platform.base_url = server.base_url  # type: ignore[attr-defined]
        yield platform
    platform.assert_no_violations()


async def zalo_user(db: Database, external_id: str = "a1b2c3") -> User:
    async with db.transaction() as uow:
        user = await uow.users.upsert(Identity("zalo", external_id, "Lan"), NOW)
        await uow.users.set_private_chat(user.id, external_id)
        found = await uow.users.get_by_id(user.id)
    assert found is not None
    return found


async def test_choices_become_a_numbered_list_answered_by_number(
    database: Database, fake: FakeZalo
) -> None:
    clock = FakeClock(NOW)
    state = SqliteZaloState(database)
    client = ZaloClient(TOKEN, fake.base_url)  # type: ignore[attr-defined]
    notifier = ZaloNotifier(client, state, clock, lambda user: translator("vi"))
    user = await zalo_user(database)
    outcome = await notifier.send(Person(user), Content("Nhắc lịch họp chi bộ", CHOICES))
    assert outcome is Outcome.DELIVERED
    (text,) = fake.texts_to("a1b2c3")
    assert "1. Sẽ tham dự\n2. Xin vắng" in text
    # A second message continues the numbering while the first is open.
    await notifier.send(Person(user), Content("Nhắc lần hai", CHOICES))
    assert "3. Sẽ tham dự\n4. Xin vắng" in fake.texts_to("a1b2c3")[1]
    assert await state.take(user.id, 2, clock.now()) == cd.for_action(AnswerSummons(7, False))
    assert await state.take(user.id, 1, clock.now()) is None  # its sibling closed with it
    # A stray "3" after expiry is no answer.
    assert await state.take(user.id, 3, clock.now() + CHOICE_TTL + timedelta(seconds=1)) is None
    await client.close()


async def test_documents_never_go_to_zalo_and_errors_map_to_outcomes(
    database: Database, fake: FakeZalo
) -> None:
    clock = FakeClock(NOW)
    client = ZaloClient(TOKEN, fake.base_url)  # type: ignore[attr-defined]
    counted = CountingBudget()
    notifier = ZaloNotifier(
        client, SqliteZaloState(database), clock, lambda u: translator("vi"), budget=counted
    )
    user = await zalo_user(database)
    secret = Content("Nghị quyết", document=DocumentRef("telegram", "FILE"), protect=True)
    assert await notifier.send(Person(user), secret) is Outcome.DELIVERED
    (text,) = fake.texts_to("a1b2c3")
    assert "tài liệu mật" in text and "FILE" not in text
    assert not [c for c in fake.calls if c[0] not in ("sendMessage",)]
    fake.quota = 1  # used up: recorded as not reached, not retried; the person stays reachable
    assert await notifier.send(Person(user), Content("x")) is Outcome.REFUSED
    assert counted.platform_refusals == 1  # the budget counts the month as spent
    fake.quota = 100
    fake.faults.append(502)
    assert await notifier.send(Person(user), Content("x")) is Outcome.FAILED
    fake.faults.append(400)
    assert await notifier.send(Person(user), Content("x")) is Outcome.UNREACHABLE
    assert counted.spent_messages == [1]
    counted.left = 0  # the bot's own budget is used up: refused without calling the API
    calls = len(fake.calls)
    assert await notifier.send(Person(user), Content("x")) is Outcome.REFUSED
    assert len(fake.calls) == calls
    telegram_user = User(9, "telegram", "9", "T", None, None, None, None, "9", True)
    assert await notifier.send(Person(telegram_user), Content("x")) is Outcome.UNREACHABLE
    await client.close()


async def test_the_channel_notifier_routes_by_the_recipients_channel(
    database: Database,
) -> None:
    telegram, zalo = RecordingNotifier(), RecordingNotifier()
    router = ChannelNotifier({"telegram": telegram, "zalo": zalo}, "telegram")
    user = await zalo_user(database)
    cell = Cell(1, "Chi bộ 1", "telegram", "-100", None, "Asia/Ho_Chi_Minh", "vi", True)
    await router.send(Person(user), Content("a"))
    await router.send(Group(cell), Content("b"))
    assert [s.content.text for s in zalo.sent] == ["a"]
    assert [s.content.text for s in telegram.sent] == ["b"]
    alone = ChannelNotifier({"zalo": zalo}, "zalo")
    assert await alone.send(Group(cell), Content("c")) is Outcome.UNREACHABLE


async def test_an_update_is_recognised_when_redelivered_also_after_a_restart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "inbox.sqlite3"
    db = Database(path)
    await db.connect()
    state = SqliteZaloState(db)
    assert await state.receive("m-1", {"k": 1}, NOW) is True
    assert await state.receive("m-1", {"k": 1}, NOW) is False
    assert await state.receive("m-2", {"k": 2}, NOW) is True
    await state.handled("m-1")
    await db.close()
    db = Database(path)
    await db.connect()
    state = SqliteZaloState(db)
    assert await state.receive("m-1", {"k": 1}, NOW) is False
    assert await state.unhandled() == [{"k": 2}]  # received, then the bot stopped
    await db.close()


class CountingBudget:
    """An allowance that records what was spent."""

    def __init__(self) -> None:
        self.left = 1000
        self.spent_messages: list[int] = []
        self.platform_refusals = 0

    async def allows(self, *, operator: bool = False) -> bool:
        """While some are left."""
        return self.left > 0

    async def used_up(self) -> None:
        """Recorded."""
        self.platform_refusals += 1

    async def spent(self, messages: int) -> None:
        """Recorded."""
        self.spent_messages.append(messages)


async def test_the_budget_keeps_a_reserve_for_operators_and_warns_once_per_level(
    database: Database,
) -> None:
    clock = FakeClock(NOW)
    state = SqliteZaloState(database)
    budget = MonthlyBudget(state, clock, 3000, ZoneInfo("Asia/Ho_Chi_Minh"))
    told: list[tuple[int, int]] = []

    async def warn(level: int, spent: Budget, quota: int) -> None:
        told.append((level, spent.sent))

    budget.warn = warn
    assert (budget.reserve, reserve_of(50), reserve_of(5)) == (20, 5, 0)
    await budget.spent(2399)
    assert told == []
    await budget.spent(1)
    assert told == [(80, 2400)]
    await budget.spent(579)  # 2979: members may still get one
    assert await budget.allows() and told == [(80, 2400)]
    await budget.spent(1)
    assert told == [(80, 2400), (100, 2980)]
    assert not await budget.allows()
    assert await budget.allows(operator=True)
    await budget.spent(20)
    assert not await budget.allows(operator=True)
    assert told == [(80, 2400), (100, 2980)]  # once per level
    report = await budget.report()
    assert (report.month, report.sent, report.limit) == ("2026-11", 3000, 2980)
    # A new month in the bot's time zone (UTC+7): 30/11 17:00 UTC is already December there.
    clock.set(datetime(2026, 11, 30, 17, 0, tzinfo=UTC))
    assert budget.month() == "2026-12" and await budget.allows()
    # The platform's 429 before the count got there: the month is spent, one warning only.
    await budget.spent(10)
    await budget.used_up()
    assert told[2:] == [(100, 3000)]
    assert (await budget.report()).sent == 3000
