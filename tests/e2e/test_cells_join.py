"""Joining a cell end to end in both languages: /join, approval buttons, invite links."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.domain.cells import Kind, Status
from sandbox.driver import TgUser
from tests.conftest import Bot
from tests.e2e.cells_support import (
    BOT_LINK,
    BOTH_LANGUAGES,
    CELL_NAME,
    GROUP_ID,
    World,
    alerts,
    buttons,
    count_rows,
    edits,
    error,
    make_cell,
    only_text,
    person,
    sent,
    t,
)

REQUEST_SENT = "Your request to join «{cell}» was sent to the secretary."
APPROVE_OFFICIAL = "✅ Approve: official"
APPROVE_PROBATIONARY = "✅ Approve: probationary"
DECLINE = "❌ Decline"
NOT_MEMBER = "Only members of this cell can do this."
NOT_LEADER = "Only the secretary or deputy secretary of this cell can do this."
INVITE_ARGS = "Give the number of uses (1-100) and days (1-30)."
INVITE_BAD = "This invite link is wrong, used up or expired. Ask your secretary."
INVITE_RE = re.compile(re.escape(BOT_LINK) + r"(inv-[A-Za-z0-9_-]{16})$", re.M)


def asks(lang: str, name: str, username: str = "", how: str = "with /join") -> str:
    """The text of a join request as the leaders see it."""
    return t(
        lang,
        "{name}{username} asks to join «{cell}» {how}.",
        name=name,
        username=f" (@{username})" if username else "",
        cell=CELL_NAME,
        how=t(lang, how),
    )


def decision_buttons(lang: str) -> list[str]:
    return [t(lang, APPROVE_OFFICIAL), t(lang, APPROVE_PROBATIONARY), t(lang, DECLINE)]


# --- /join and the decision --------------------------------------------------------------------


@BOTH_LANGUAGES
async def test_join_approved_as_official(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    member = person(301, "Minh", "Lê", username="minh", lang=lang)
    await world.start(member)

    calls = await world.say(member, "/join")
    assert sent(calls, GROUP_ID) == [t(lang, REQUEST_SENT, cell=CELL_NAME)]
    (request,) = [c for c in calls if c.method == "sendMessage" and c["chat_id"] == 101]
    assert request["text"] == asks(lang, "Lê Minh", "minh")
    assert buttons(request) == decision_buttons(lang)
    membership = await world.membership(member)
    assert membership is not None and membership.status is Status.PENDING

    calls = await world.d.press(
        world.secretary, world.private(world.secretary), t(lang, APPROVE_OFFICIAL)
    )
    (edit,) = edits(calls)
    assert edit["text"] == t(
        lang, "{name} was approved: {kind}.", name="Lê Minh", kind=t(lang, "official")
    )
    assert buttons(edit) == []
    assert sent(calls, member.id) == [
        t(lang, "Welcome to «{cell}»! Send /help to see what you can do.", cell=CELL_NAME)
    ]
    # The group hears it in the cell's language (Vietnamese by default).
    assert sent(calls, GROUP_ID) == [t("vi", "{name} joined the cell.", name="Lê Minh")]
    membership = await world.membership(member)
    assert membership is not None
    assert (membership.status, membership.kind, membership.number) == (
        Status.ACTIVE,
        Kind.OFFICIAL,
        2,
    )
    assert await world.history(member) == [("status", "pending", "active")]


@BOTH_LANGUAGES
async def test_join_approved_as_probationary(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    member = person(302, "Hoa", "Phạm", lang=lang)
    calls = await world.join(member, kind="probationary")
    (edit,) = edits(calls)
    assert edit["text"] == t(
        lang, "{name} was approved: {kind}.", name="Phạm Hoa", kind=t(lang, "probationary")
    )
    membership = await world.membership(member)
    assert membership is not None
    assert (membership.status, membership.kind) == (Status.ACTIVE, Kind.PROBATIONARY)
    assert await world.history(member) == [
        ("status", "pending", "active"),
        ("kind", "official", "probationary"),
    ]
    roster = await world.reply_in_group(world.secretary, "/members")
    assert f"2. Phạm Hoa — {t(lang, 'probationary')} ✉️" in roster.splitlines()


@BOTH_LANGUAGES
async def test_join_declined_then_asked_again(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    member = person(303, "Tuấn", "Vũ", lang=lang)
    calls = await world.join(member, kind=None)
    (edit,) = edits(calls)
    assert edit["text"] == t(lang, "{name} was declined.", name="Vũ Tuấn")
    assert sent(calls, member.id) == [
        t(lang, "Your request to join «{cell}» was declined.", cell=CELL_NAME)
    ]
    assert sent(calls, GROUP_ID) == []
    membership = await world.membership(member)
    assert membership is not None and membership.status is Status.DECLINED

    # A declined person may ask again; the secretary decides again.
    calls = await world.say(member, "/join")
    assert sent(calls, GROUP_ID) == [t(lang, REQUEST_SENT, cell=CELL_NAME)]
    assert sent(calls, world.secretary.id) == [asks(lang, "Vũ Tuấn")]
    assert await world.history(member) == [
        ("status", "pending", "declined"),
        ("status", "declined", "pending"),
    ]


@BOTH_LANGUAGES
async def test_duplicate_join_and_join_by_a_member_are_refused(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    member = person(304, "Minh", lang=lang)
    await world.start(member)
    await world.say(member, "/join")

    calls = await world.say(member, "/join")
    assert sent(calls) == [
        error(lang, "Your request to join «{name}» is waiting for the secretary.", name=CELL_NAME)
    ]
    await world.d.press(world.secretary, world.private(world.secretary), t(lang, APPROVE_OFFICIAL))

    for user in (member, world.secretary):
        calls = await world.say(user, "/join")
        assert sent(calls) == [
            error(lang, "You are already a member of «{name}».", name=CELL_NAME)
        ]
    assert await count_rows(bot, "memberships") == 2
    assert await world.history(member) == [("status", "pending", "active")]


@BOTH_LANGUAGES
async def test_join_outside_a_cell_group_is_refused(bot: Bot, lang: str) -> None:
    user = person(305, "Minh", lang=lang)
    d = bot.driver
    text = only_text(await d.send(user, d.group(-2002, "Nhóm"), "/join"), -2002)
    # Said in a group that is no cell (the bot cannot write to them): DEFAULT_LANGUAGE (vi).
    assert text == error(
        "vi",
        "This group is not a cell yet. The secretary starts with /setup CODE.",
        example="/setup ABCD-EFGH-JKLM",
    )
    text = only_text(await d.send(user, d.private_chat(user), "/join"), 305)
    assert text == error(
        lang, "Send /join in your cell's group, or open the invite link from your secretary."
    )
    assert await count_rows(bot, "memberships") == 0


@BOTH_LANGUAGES
async def test_unreachable_applicant_is_told_how_to_start(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    member = person(306, "Hoa", "Phạm", lang=lang)
    calls = await world.say(member, "/join")
    assert sent(calls, GROUP_ID) == [
        t(lang, REQUEST_SENT, cell=CELL_NAME),
        t(
            lang,
            "To get reminders and approval buttons privately, open {link} and press Start.",
            link=BOT_LINK + "hi",
        ),
    ]
    calls = await world.d.press(
        world.secretary, world.private(world.secretary), t(lang, APPROVE_OFFICIAL)
    )
    # No private chat with the applicant: the welcome goes nowhere, the group gets the hint.
    assert sent(calls, member.id) == []
    assert [c for c in calls if c.get("chat_id") == member.id] == []
    assert sent(calls, GROUP_ID) == [
        t("vi", "{name} joined the cell.", name="Phạm Hoa")
        + "\n"
        + t(
            "vi",
            "{name}: open {link} and press Start to get reminders privately.",
            name="Phạm Hoa",
            link=BOT_LINK + "hi",
        )
    ]
    # After /start, private messages arrive.
    await world.start(member)
    await world.say(world.secretary, "/kind 2 dubi")
    roster = await world.reply_in_group(world.secretary, "/members")
    assert f"2. Phạm Hoa — {t(lang, 'probationary')} ✉️" in roster.splitlines()


@BOTH_LANGUAGES
async def test_buttons_in_the_group_when_no_leader_is_reachable(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang, reachable=False)
    member = person(307, "Minh", "Lê", lang=lang)
    await world.start(member)
    calls = await world.say(member, "/join")
    group_texts = sent(calls, GROUP_ID)
    assert group_texts[0] == t(lang, REQUEST_SENT, cell=CELL_NAME)
    # Posted in the cell's language (the world's: its secretary chose it in the group), since
    # it is for whoever leads the cell.
    assert group_texts[1] == asks(lang, "Lê Minh") + "\n" + t(
        lang, "(The secretary can approve here: nobody in charge can be messaged privately.)"
    )
    assert len(group_texts) == 2
    request = world.bot.fake.last_message(GROUP_ID)
    assert buttons(request) == decision_buttons(lang)

    outsider = person(308, "Khách", lang=lang)
    for presser, refusal in ((member, NOT_MEMBER), (outsider, NOT_MEMBER)):
        calls = await world.d.press(presser, world.group, t(lang, APPROVE_OFFICIAL))
        assert alerts(calls) == [error(lang, refusal)]
        assert edits(calls) == [] and sent(calls) == []
        membership = await world.membership(member)
        assert membership is not None and membership.status is Status.PENDING
    assert buttons(world.bot.fake.last_message(GROUP_ID)) == decision_buttons(lang)

    calls = await world.d.press(world.secretary, world.group, t(lang, APPROVE_PROBATIONARY))
    (edit,) = edits(calls)
    assert edit["text"] == t(
        lang, "{name} was approved: {kind}.", name="Lê Minh", kind=t(lang, "probationary")
    )
    assert sent(calls, member.id) == [
        t(lang, "Welcome to «{cell}»! Send /help to see what you can do.", cell=CELL_NAME)
    ]
    # Decided in the group itself: the edited message says it all.
    assert sent(calls, GROUP_ID) == []
    membership = await world.membership(member)
    assert membership is not None and membership.kind is Kind.PROBATIONARY


@BOTH_LANGUAGES
async def test_plain_member_pressing_group_buttons_is_refused(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang, reachable=False)
    first = person(310, "Minh", lang=lang)
    await world.say(first, "/join")
    await world.d.press(world.secretary, world.group, t(lang, APPROVE_OFFICIAL))
    second = person(311, "Hoa", lang=lang)
    await world.say(second, "/join")

    calls = await world.d.press(first, world.group, t(lang, DECLINE))
    assert alerts(calls) == [error(lang, NOT_LEADER)]
    assert edits(calls) == []
    membership = await world.membership(second)
    assert membership is not None and membership.status is Status.PENDING


async def _cell_with_deputy(bot: Bot, lang: str) -> tuple[World, TgUser]:
    world = await make_cell(bot, lang)
    deputy = person(320, "Phó Bí Thư", lang=lang)
    await world.join(deputy)
    text = await world.reply_in_group(world.secretary, "/role 2 deputy")
    assert text.startswith(t(lang, "Updated: {line}", line="2. Phó Bí Thư"))
    return world, deputy


@BOTH_LANGUAGES
async def test_both_leaders_get_buttons_and_a_stale_one_is_refused(bot: Bot, lang: str) -> None:
    world, deputy = await _cell_with_deputy(bot, lang)
    member = person(321, "Minh", lang=lang)
    await world.start(member)
    calls = await world.say(member, "/join")
    assert sent(calls, world.secretary.id) == [asks(lang, "Minh")]
    assert sent(calls, deputy.id) == [asks(lang, "Minh")]

    await world.d.press(deputy, world.private(deputy), t(lang, APPROVE_OFFICIAL))
    # The secretary's copy still shows buttons; pressing one now changes nothing.
    for label in (APPROVE_PROBATIONARY, DECLINE):
        calls = await world.d.press(
            world.secretary, world.private(world.secretary), t(lang, label)
        )
        assert alerts(calls) == [error(lang, "This request was already decided.")]
        assert edits(calls) == [] and sent(calls) == []
    membership = await world.membership(member)
    assert membership is not None
    assert (membership.status, membership.kind) == (Status.ACTIVE, Kind.OFFICIAL)
    assert await world.history(member) == [("status", "pending", "active")]


@BOTH_LANGUAGES
async def test_forged_join_buttons_are_refused(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    private = world.private(world.secretary)
    message_id = world.bot.fake.last_message(GROUP_ID)["message_id"]
    for data, refusal in (
        ("jr:999:o", "This request no longer exists."),
        ("jr:1:q", "This button is no longer valid."),
        ("zz:1", "This button is no longer valid."),
        ("jr:" + "9" * 80, "This button is no longer valid."),
    ):
        calls = await world.d.press_data(world.secretary, private, data, message_id)
        assert alerts(calls) == [error(lang, refusal)]
    # The secretary's own membership is not a request to decide.
    calls = await world.d.press_data(world.secretary, private, "jr:1:x", message_id)
    assert alerts(calls) == [error(lang, "This request was already decided.")]
    membership = await world.membership(world.secretary)
    assert membership is not None and membership.status is Status.ACTIVE
    assert await count_rows(bot, "membership_history") == 0


# --- /invite -----------------------------------------------------------------------------------


def invite_text(lang: str, uses: int, until: str, link: str) -> str:
    return t(
        lang,
        "Invite link to «{cell}», for {uses} people, valid until {until}:\n{link}\n"
        "Whoever opens it asks to join; you approve each one.",
        cell=CELL_NAME,
        uses=uses,
        until=until,
        link=link,
    )


async def _invite(world: World, args: str = "") -> str:
    text = await world.reply_in_group(world.secretary, f"/invite {args}".strip())
    match = INVITE_RE.search(text)
    assert match is not None, text
    return match[1]


@BOTH_LANGUAGES
async def test_invite_default_and_with_arguments(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    # 2026-11-21 14:00 UTC is 21:00 in Hanoi.
    text = await world.reply_in_group(world.secretary, "/invite")
    match = INVITE_RE.search(text)
    assert match is not None
    assert text == invite_text(lang, 10, "28/11/2026 21:00", BOT_LINK + match[1])

    text = await world.reply_in_private(world.secretary, "/invite 3 2")
    match = INVITE_RE.search(text)
    assert match is not None
    assert text == invite_text(lang, 3, "23/11/2026 21:00", BOT_LINK + match[1])
    assert await count_rows(bot, "invites") == 2


@BOTH_LANGUAGES
async def test_invite_with_bad_arguments_is_refused(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    for args in ("abc", "0", "101", "5 0", "5 31", "1 2 3", "-1", "3.5", "99999 1"):
        text = await world.reply_in_group(world.secretary, f"/invite {args}")
        assert text == error(lang, INVITE_ARGS, example="/invite 10 7"), args
    assert await count_rows(bot, "invites") == 0


@BOTH_LANGUAGES
async def test_invite_is_for_leaders_only(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    member = person(330, "Minh", lang=lang)
    await world.join(member)
    assert await world.reply_in_group(member, "/invite") == error(lang, NOT_LEADER)
    assert await world.reply_in_private(member, "/invite") == error(lang, NOT_LEADER)
    outsider = person(331, "Khách", lang=lang)
    assert await world.reply_in_group(outsider, "/invite") == error(lang, NOT_MEMBER)
    assert await world.reply_in_private(outsider, "/invite") == error(lang, NOT_MEMBER)
    assert await count_rows(bot, "invites") == 0


@BOTH_LANGUAGES
async def test_invite_use_limit_is_enforced(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    payload = await _invite(world, "1 1")
    member = person(340, "Minh", lang=lang)
    await world.join(member)
    # A member opening the link is refused without spending a use.
    assert await world.reply_in_private(member, f"/start {payload}") == error(
        lang, "You are already a member of «{name}».", name=CELL_NAME
    )

    first = person(341, "Hoa", lang=lang)
    calls = await world.say(first, f"/start {payload}", private=True)
    assert sent(calls, world.secretary.id) == [asks(lang, "Hoa", how="by invite link")]
    second = person(342, "Tuấn", lang=lang)
    calls = await world.say(second, f"/start {payload}", private=True)
    assert sent(calls) == [error(lang, INVITE_BAD)]
    assert await world.membership(second) is None
    membership = await world.membership(first)
    assert membership is not None and membership.status is Status.PENDING


@BOTH_LANGUAGES
async def test_invite_expires(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    payload = await _invite(world, "5 1")
    bot.clock.advance(timedelta(days=1, minutes=1))
    user = person(343, "Hoa", lang=lang)
    calls = await world.say(user, f"/start {payload}", private=True)
    assert sent(calls) == [error(lang, INVITE_BAD)]
    assert await world.membership(user) is None
