"""One person on Telegram and Zalo: /connect with a one-time code shown on one channel and sent
on the other. Nobody is counted twice: one roster line, one summons, one answer; private
messages go to the preferred channel first and to the other when the first cannot take them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.conftest import Bot
from tests.e2e.cells_support import World, make_cell, person, sent, t
from tests.e2e.db import rows
from tests.e2e.meetings_support import TITLE, fire_reminder, reminder_ids, schedule
from tests.e2e.test_zalo import both, zalo_says
from tests.harness.zalo_server import FakeZalo

__all__ = ["both"]  # the fixture, shared with the Zalo tests

AN_ZALO = "a0a0a0a0a0a0a0a0a0a0"
AN = person(201, "An", "Nguyễn Văn", lang="vi")


def code_in(text: str) -> str:
    """The code a /connect answer shows (the line to send on the other channel)."""
    found = re.search(r"^/connect (\d{5} \d{5})$", text, re.M)
    assert found is not None, text
    return found[1]


async def an_on_both(bot: Bot, runner: object, platform: FakeZalo, lang: str) -> World:
    """A Telegram cell; An joins on Telegram, and again from Zalo with an invite code: two
    roster lines for one person until the accounts are connected."""
    w = await make_cell(bot, lang)
    await w.join(person(AN.id, "An", "Nguyễn Văn", lang=lang))
    invite = sent(await w.say(w.secretary, "/invite", private=True), w.secretary.id)[0]
    code = invite.splitlines()[-1].rsplit(" ", 1)[-1]
    await zalo_says(runner, platform, code, user=AN_ZALO, name="An Zalo")  # type: ignore[arg-type]
    await w.d.press(w.secretary, w.private(w.secretary), t(lang, "✅ Approve: official"))
    return w


async def active_lines(bot: Bot) -> list[tuple[str, str]]:
    found = await rows(
        bot,
        "SELECT u.channel, m.role FROM memberships m JOIN users u ON u.id = m.user_id "
        "WHERE m.status = 'active' ORDER BY m.number",
    )
    return [(r["channel"], r["role"]) for r in found]


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_connecting_makes_two_roster_lines_one_and_one_summons(
    both: tuple[Bot, object, FakeZalo], lang: str
) -> None:
    bot, runner, platform = both
    w = await an_on_both(bot, runner, platform, lang)
    a = person(AN.id, "An", "Nguyễn Văn", lang=lang)
    # Before: An is counted twice.
    assert await active_lines(bot) == [
        ("telegram", "secretary"),
        ("telegram", "member"),
        ("zalo", "member"),
    ]

    shown = sent(await w.say(a, "/connect", private=True), AN.id)[0]
    assert t(lang, "The code works once. Never give it to anyone else.") in shown
    code = code_in(shown)
    (answer,) = await zalo_says(runner, platform, f"/connect {code}", user=AN_ZALO)  # type: ignore[arg-type]
    assert answer.startswith(
        t(
            lang,
            "✅ Connected: {channels}. You are one member everywhere.",
            channels="Telegram, Zalo",
        )
    )
    assert t(lang, "Cells where you had two roster lines, now one each: {n}.", n=1) in answer

    # After: one line, on the person's first account; the roster shows both channels.
    assert await active_lines(bot) == [("telegram", "secretary"), ("telegram", "member")]
    roster = sent(await w.say(w.secretary, "/members", private=True), w.secretary.id)[0]
    assert "(2" in roster or " 2 " in roster  # two members counted, not three
    an_lines = [line for line in roster.splitlines() if "An" in line and "Lan" not in line]
    assert len(an_lines) == 1 and an_lines[0].endswith("Telegram + Zalo"), roster

    # A reminder reaches An once, on Telegram (the first account), nothing on Zalo.
    meeting_id = await schedule(w)
    zalo_before = len(platform.texts_to(AN_ZALO))
    ids = await reminder_ids(bot, meeting_id)
    calls = await fire_reminder(bot, ids[1440])
    assert len([s for s in sent(calls, AN.id) if TITLE in s]) == 1
    assert platform.texts_to(AN_ZALO)[zalo_before:] == []

    # An prefers Zalo: the next reminder goes there only, and "2" there answers for An.
    (moved,) = await zalo_says(runner, platform, "/connect zalo", user=AN_ZALO)  # type: ignore[arg-type]
    assert moved == t(lang, "✅ Private messages now go to {channel} first.", channel="Zalo")
    calls = await fire_reminder(bot, ids[60])
    assert [s for s in sent(calls, AN.id) if TITLE in s] == []
    assert TITLE in platform.texts_to(AN_ZALO)[-1]
    await zalo_says(runner, platform, "1", user=AN_ZALO)  # type: ignore[arg-type]
    answers = await rows(
        bot, "SELECT user_id FROM attendance_replies WHERE meeting_id = ?", meeting_id
    )
    an_id = (await rows(bot, "SELECT id FROM users WHERE external_id = ?", str(AN.id)))[0][0]
    assert [r["user_id"] for r in answers] == [an_id]


async def test_a_person_preferring_zalo_is_reached_on_telegram_when_zalo_refuses(
    both: tuple[Bot, object, FakeZalo],
) -> None:
    bot, runner, platform = both
    w = await an_on_both(bot, runner, platform, "vi")
    shown = sent(await w.say(AN, "/connect", private=True), AN.id)[0]
    await zalo_says(runner, platform, f"/connect {code_in(shown)}", user=AN_ZALO)  # type: ignore[arg-type]
    await zalo_says(runner, platform, "/connect zalo", user=AN_ZALO)  # type: ignore[arg-type]
    meeting_id = await schedule(w)
    # Zalo's monthly quota is spent on the platform's side: it answers 429 "Quota exceeded".
    platform.quota = len(platform.sent)
    zalo_before = len(platform.texts_to(AN_ZALO))
    ids = await reminder_ids(bot, meeting_id)
    calls = await fire_reminder(bot, ids[1440])
    assert platform.texts_to(AN_ZALO)[zalo_before:] == []
    assert len([s for s in sent(calls, AN.id) if TITLE in s]) == 1
    an_id = (await rows(bot, "SELECT id FROM users WHERE external_id = ?", str(AN.id)))[0][0]
    states = await rows(
        bot,
        "SELECT state FROM deliveries WHERE topic LIKE 'reminder:%' AND recipient = ?",
        str(an_id),
    )
    assert [r["state"] for r in states] == ["delivered"]


async def test_bad_codes_change_nothing(both: tuple[Bot, object, FakeZalo]) -> None:
    bot, runner, platform = both
    w = await an_on_both(bot, runner, platform, "vi")
    before = await active_lines(bot)
    wrong = t("vi", "This code is wrong, used or expired. Ask for a new one with /connect.")

    for text in (
        "/connect 12345 67890",
        "/connect 1",
        "/connect abcdefghij",
        "/connect " + "9" * 40,
    ):
        (answer,) = await zalo_says(runner, platform, text, user=AN_ZALO)  # type: ignore[arg-type]
        assert wrong in answer, (text, answer)

    # In a group the code would be read by all: refused, nothing made.
    group = sent(await w.say(AN, "/connect"), None)
    assert any(t("vi", "Use this command in your private chat with the bot.") in s for s in group)
    assert (await rows(bot, "SELECT count(*) FROM connect_codes"))[0][0] == 0

    # A code sent on its own channel is refused and stays unused; an expired one is refused.
    code = code_in(sent(await w.say(AN, "/connect", private=True), AN.id)[0])
    same = sent(await w.say(AN, f"/connect {code}", private=True), AN.id)[0]
    assert t("vi", "Send this code to the bot on your other channel (Telegram or Zalo).") in same
    late = code_in(sent(await w.say(AN, "/connect", private=True), AN.id)[0])
    bot.clock.advance(timedelta(minutes=11))
    (expired,) = await zalo_says(runner, platform, f"/connect {late}", user=AN_ZALO)  # type: ignore[arg-type]
    assert wrong in expired
    assert await active_lines(bot) == before
    assert (await rows(bot, "SELECT count(*) FROM users WHERE person_id IS NOT NULL"))[0][0] == 0

    # A fresh code works once: used again (from any account), it is wrong.
    fresh = code_in(sent(await w.say(AN, "/connect", private=True), AN.id)[0])
    await zalo_says(runner, platform, f"/connect {fresh}", user=AN_ZALO)  # type: ignore[arg-type]
    (again,) = await zalo_says(runner, platform, f"/connect {fresh}", user="b0b0b0b0b0b0b0b0b0b0")  # type: ignore[arg-type]
    assert wrong in again
