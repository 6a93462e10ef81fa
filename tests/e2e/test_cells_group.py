"""The group and the private chats change under the bot: removed and re-added, a new group,
a group upgraded to a supergroup, a user who blocked the bot."""

from __future__ import annotations

from bot.domain.cells import Status
from bot.domain.identity import ChatRef
from sandbox.driver import TgUser
from tests.conftest import Bot
from tests.e2e.cells_support import (
    BOT_LINK,
    BOTH_LANGUAGES,
    CELL_NAME,
    GROUP_ID,
    alerts,
    buttons,
    edits,
    invite_payload,
    make_cell,
    person,
    roster_line,
    sent,
    t,
)

SUPERGROUP_ID = -1001234567890
UNREACHABLE_NOTE = (
    "🔕 cannot be messaged privately yet: "
    "they must open a private chat with the bot and press Start."
)


async def cell_id_of(bot: Bot, chat_id: int) -> int | None:
    cell = await bot.app.bot_data.services.cells.cell_of_chat(
        ChatRef("telegram", str(chat_id), is_private=False)
    )
    return cell.id if cell else None


@BOTH_LANGUAGES
async def test_bot_removed_and_re_added_keeps_the_cell(
    bot: Bot, lang: str, operator: TgUser
) -> None:
    world = await make_cell(bot, lang)
    minh = person(501, "Minh", "Lê", lang=lang)
    await world.join(minh)
    d = world.d

    calls = await d.my_chat_member(world.group, "member", "left", world.secretary)
    # Nothing can be posted in a group the bot has left.
    assert [c for c in calls if c.method.startswith("send")] == []
    text = sent(await d.send(operator, d.private_chat(operator), "/cells"), operator.id)[0]
    assert text.splitlines()[1].endswith(" " + t("vi", "(bot removed from group)"))

    calls = await d.my_chat_member(world.group, "left", "member", world.secretary)
    # The group hears it in the cell's language (the world's: chosen by its secretary there).
    assert sent(calls, GROUP_ID) == [
        t(lang, "I am back in «{name}»; all its data is kept.", name=CELL_NAME)
    ]
    text = sent(await d.send(operator, d.private_chat(operator), "/cells"), operator.id)[0]
    assert t("vi", "(bot removed from group)") not in text

    roster = (await world.reply_in_group(minh, "/members")).splitlines()
    assert roster_line(lang, 1, "Trần Lan @lan", "official", "secretary") in roster
    assert roster_line(lang, 2, "Lê Minh", "official") in roster

    # Promotion to admin is not a return: no second greeting.
    calls = await d.my_chat_member(world.group, "member", "administrator", world.secretary)
    assert sent(calls) == []


async def test_bot_added_to_a_new_group_points_to_setup(bot: Bot) -> None:
    user = person(510, "Lan", lang="en")
    group = bot.driver.group(-7007, "Chi bộ mới")
    calls = await bot.driver.my_chat_member(group, "left", "member", user)
    assert sent(calls, -7007) == [
        t(
            "vi",
            "Hello! The secretary makes this group a cell with /setup CODE "
            "(the code comes from your operator).",
        )
    ]
    assert await cell_id_of(bot, -7007) is None


@BOTH_LANGUAGES
async def test_group_upgraded_to_supergroup_keeps_the_cell(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    minh = person(520, "Minh", "Lê", username="minh", lang=lang)
    hoa = person(521, "Hoa", "Phạm", lang=lang)
    await world.join(minh)
    await world.join(hoa, kind="probationary")
    cell_id = await cell_id_of(bot, GROUP_ID)
    assert cell_id is not None

    calls = await world.d.migrate(GROUP_ID, SUPERGROUP_ID)
    assert sent(calls) == []
    assert await cell_id_of(bot, GROUP_ID) is None
    assert await cell_id_of(bot, SUPERGROUP_ID) == cell_id

    supergroup = world.d.group(SUPERGROUP_ID, CELL_NAME, type="supergroup")
    calls = await world.d.send(world.secretary, supergroup, "/members")
    (text,) = sent(calls, SUPERGROUP_ID)
    roster = text.splitlines()
    assert roster[0] == t(
        lang,
        "Cell «{name}»: {count} members ({official} official, {probationary} probationary)",
        name=CELL_NAME,
        count=3,
        official=2,
        probationary=1,
    )
    assert roster[2:5] == [
        roster_line(lang, 1, "Trần Lan @lan", "official", "secretary"),
        roster_line(lang, 2, "Lê Minh @minh", "official"),
        roster_line(lang, 3, "Phạm Hoa", "probationary"),
    ]
    # Commands and joins go on in the supergroup.
    tuan = person(522, "Tuấn", lang=lang)
    await world.start(tuan)
    calls = await world.d.send(tuan, supergroup, "/join")
    assert sent(calls, SUPERGROUP_ID) == [
        t(lang, "Your request to join «{cell}» was sent to the secretary.", cell=CELL_NAME)
    ]
    calls = await world.d.press(
        world.secretary, world.private(world.secretary), t(lang, "✅ Approve: official")
    )
    assert sent(calls, SUPERGROUP_ID) == [t("vi", "{name} joined the cell.", name="Tuấn")]
    assert [c for c in calls if c.get("chat_id") == GROUP_ID] == []


@BOTH_LANGUAGES
async def test_user_who_blocked_the_bot_is_marked_unreachable(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    minh = person(530, "Minh", "Lê", lang=lang)
    await world.start(minh)
    await world.say(minh, "/join")
    bot.fake.blocked_users.add(minh.id)

    calls = await world.d.press(
        world.secretary, world.private(world.secretary), t(lang, "✅ Approve: official")
    )
    refused = [c for c in calls if c.get("chat_id") == minh.id]
    assert [(c.method, c.status) for c in refused] == [("sendMessage", 403)]
    # The group is told how the new member can get reminders.
    assert sent(calls, GROUP_ID) == [
        t("vi", "{name} joined the cell.", name="Lê Minh")
        + "\n"
        + t(
            "vi",
            "{name}: open {link} and press Start to get reminders privately.",
            name="Lê Minh",
            link=BOT_LINK + "hi",
        )
    ]
    roster = (await world.reply_in_group(world.secretary, "/members")).splitlines()
    assert roster_line(lang, 2, "Lê Minh", "official", reachable=False) in roster
    assert t(lang, UNREACHABLE_NOTE) in roster

    # Writing to the bot again lifts the block.
    await world.start(minh)
    roster = (await world.reply_in_group(world.secretary, "/members")).splitlines()
    assert roster_line(lang, 2, "Lê Minh", "official") in roster
    assert t(lang, UNREACHABLE_NOTE) not in roster


@BOTH_LANGUAGES
async def test_blocked_leader_gets_the_buttons_in_the_group(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    bot.fake.blocked_users.add(world.secretary.id)
    minh = person(540, "Minh", lang=lang)
    calls = await world.say(minh, "/join")
    assert [(c.method, c.status) for c in calls if c.get("chat_id") == 101] == [
        ("sendMessage", 403)
    ]
    request = bot.fake.last_message(GROUP_ID)
    assert request["text"].endswith(
        t(lang, "(The secretary can approve here: nobody in charge can be messaged privately.)")
    )
    assert buttons(request) == [
        t(lang, "✅ Approve: official"),
        t(lang, "✅ Approve: probationary"),
        t(lang, "❌ Decline"),
    ]
    # The next request does not even try the blocked private chat.
    hoa = person(541, "Hoa", lang=lang)
    calls = await world.say(hoa, "/join")
    assert [c for c in calls if c.get("chat_id") == 101] == []
    calls = await world.d.press(world.secretary, world.group, t(lang, "✅ Approve: official"))
    assert alerts(calls) == []
    (edit,) = edits(calls)
    assert edit["text"] == t(
        lang, "{name} was approved: {kind}.", name="Hoa", kind=t(lang, "official")
    )
    membership = await world.membership(hoa)
    assert membership is not None and membership.status is Status.ACTIVE
    roster = (await world.reply_in_group(world.secretary, "/members")).splitlines()
    assert (
        roster_line(lang, 1, "Trần Lan @lan", "official", "secretary", reachable=False) in roster
    )


@BOTH_LANGUAGES
async def test_blocking_in_the_private_chat_is_recorded(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    minh = person(550, "Minh", "Lê", lang=lang)
    await world.join(minh)
    calls = await world.d.my_chat_member(world.private(minh), "member", "kicked", minh)
    assert sent(calls) == []
    roster = (await world.reply_in_group(world.secretary, "/members")).splitlines()
    assert roster_line(lang, 2, "Lê Minh", "official", reachable=False) in roster
    await world.d.my_chat_member(world.private(minh), "kicked", "member", minh)
    roster = (await world.reply_in_group(world.secretary, "/members")).splitlines()
    assert roster_line(lang, 2, "Lê Minh", "official") in roster


@BOTH_LANGUAGES
async def test_invite_redeemed_while_the_bot_is_out_of_the_group(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang, reachable=False)
    text = await world.reply_in_group(world.secretary, "/invite")
    payload = invite_payload(text)
    await world.d.my_chat_member(world.group, "member", "left", world.secretary)

    minh = person(560, "Minh", lang=lang)
    calls = await world.say(minh, f"/start {payload}", private=True)
    # Nobody in charge can be reached: the request waits, and the applicant is told so truly.
    assert sent(calls, minh.id) == [
        t(
            lang,
            "Your request to join «{cell}» was sent to the secretary. "
            "I will tell you here when it is decided.",
            cell=CELL_NAME,
        )
    ]
    membership = await world.membership(minh)
    assert membership is not None and membership.status is Status.PENDING
    # Back in the group, the secretary sees the request in /members.
    await world.d.my_chat_member(world.group, "left", "member", world.secretary)
    roster = await world.reply_in_group(world.secretary, "/members")
    assert "• Minh" in roster.splitlines()


@BOTH_LANGUAGES
async def test_approval_while_the_bot_is_out_of_the_group(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    text = await world.reply_in_group(world.secretary, "/invite")
    payload = invite_payload(text)
    await world.d.my_chat_member(world.group, "member", "kicked", world.secretary)
    minh = person(570, "Minh", lang=lang)
    await world.say(minh, f"/start {payload}", private=True)

    calls = await world.d.press(
        world.secretary, world.private(world.secretary), t(lang, "✅ Approve: official")
    )
    # The approval stands and both people hear of it; only the group notice could not go out.
    assert alerts(calls) == []
    (edit,) = edits(calls)
    assert edit["text"] == t(
        lang, "{name} was approved: {kind}.", name="Minh", kind=t(lang, "official")
    )
    assert sent(calls, minh.id) == [
        t(lang, "Welcome to «{cell}»! Send /help to see what you can do.", cell=CELL_NAME)
    ]
    assert [(c.method, c.status) for c in calls if c.get("chat_id") == GROUP_ID] == [
        ("sendMessage", 403)
    ]
    membership = await world.membership(minh)
    assert membership is not None and membership.status is Status.ACTIVE
