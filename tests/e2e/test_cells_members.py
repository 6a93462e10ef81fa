"""The roster end to end in both languages: /members, member cards, /kind, /role, /remove."""

from __future__ import annotations

from bot.domain.cells import Kind, Role, Status
from sandbox.driver import TgUser
from tests.conftest import Bot
from tests.e2e.cells_support import (
    BOTH_LANGUAGES,
    CELL_NAME,
    GROUP_ID,
    World,
    alerts,
    buttons,
    edits,
    error,
    make_cell,
    person,
    roster_line,
    sent,
    t,
)

NOT_MEMBER = "Only members of this cell can do this."
NOT_LEADER = "Only the secretary or deputy secretary of this cell can do this."
NO_SUCH_MEMBER = "No such member in this cell. See the numbers in /members."
SECRETARY_FIXED = "The secretary's role cannot be changed or removed here."
CHOOSE_KIND = "Choose official, probationary, exempted, elsewhere or visiting."
CHOOSE_ROLE = "Choose deputy, committee, member or guest."
NAME_MEMBER = "Name the member by their number in /members (or reply to their message)."


async def populated(bot: Bot, lang: str) -> tuple[World, TgUser, TgUser, TgUser]:
    """Secretary Lan (1), Minh official (2), Hoa probationary never started (3), Tuấn pending."""
    world = await make_cell(bot, lang)
    minh = person(401, "Minh", "Lê", username="minh", lang=lang)
    hoa = person(402, "Hoa", "Phạm", lang=lang)
    tuan = person(403, "Tuấn", "Vũ", lang=lang)
    await world.join(minh)
    await world.join(hoa, start=False, kind="probationary")
    await world.start(tuan)
    await world.say(tuan, "/join")
    return world, minh, hoa, tuan


def roster_lines(lang: str) -> list[str]:
    return [
        t(
            lang,
            "Cell «{name}»: {count} members ({official} official, {probationary} probationary)",
            name=CELL_NAME,
            count=3,
            official=2,
            probationary=1,
        ),
        "",
        roster_line(lang, 1, "Trần Lan @lan", "official", "secretary"),
        roster_line(lang, 2, "Lê Minh @minh", "official"),
        roster_line(lang, 3, "Phạm Hoa", "probationary", reachable=False),
        "",
        t(
            lang,
            "🔕 cannot be messaged privately yet: "
            "they must open a private chat with the bot and press Start.",
        ),
    ]


# --- /members ----------------------------------------------------------------------------------


@BOTH_LANGUAGES
async def test_members_for_a_leader_shows_pending_and_how_to_change(bot: Bot, lang: str) -> None:
    world, *_ = await populated(bot, lang)
    calls = await world.say(world.secretary, "/members")
    (text,) = sent(calls, GROUP_ID)
    assert text.splitlines() == [
        *roster_lines(lang),
        "",
        t(lang, "Waiting for approval:"),
        "• Vũ Tuấn",
        "",
        t(lang, "Change a member: /kind N kind, /role N role, /remove N."),
    ]
    # No member buttons in the group.
    assert buttons(calls[0]) == []


@BOTH_LANGUAGES
async def test_members_for_a_plain_member_hides_pending(bot: Bot, lang: str) -> None:
    world, minh, hoa, _ = await populated(bot, lang)
    for user in (minh, hoa):
        assert (await world.reply_in_group(user, "/members")).splitlines() == roster_lines(lang)
    calls = await world.say(minh, "/members", private=True)
    assert sent(calls, minh.id)[0].splitlines() == roster_lines(lang)
    assert buttons(calls[0]) == []


@BOTH_LANGUAGES
async def test_members_is_refused_to_outsiders_and_pending(bot: Bot, lang: str) -> None:
    world, _, _, tuan = await populated(bot, lang)
    outsider = person(404, "Khách", lang=lang)
    for user in (outsider, tuan):
        text = await world.reply_in_group(user, "/members")
        assert text == error(lang, NOT_MEMBER)
        assert "Minh" not in text
        assert await world.reply_in_private(user, "/members") == error(lang, NOT_MEMBER)


@BOTH_LANGUAGES
async def test_member_cards_in_private(bot: Bot, lang: str) -> None:
    world, minh, _, _ = await populated(bot, lang)
    d = world.d
    private = world.private(world.secretary)
    calls = await world.say(world.secretary, "/members", private=True)
    (text,) = sent(calls, world.secretary.id)
    assert text.splitlines()[: len(roster_lines(lang))] == roster_lines(lang)
    assert buttons(calls[0]) == ["1. Trần Lan", "2. Lê Minh", "3. Phạm Hoa"]

    def card(kind: str, role: str, labels: tuple[str, ...]) -> str:
        return "\n".join(
            [
                roster_line(lang, 2, "Lê Minh @minh", *labels),
                t(lang, "Kind: {kind}", kind=t(lang, kind)),
                t(lang, "Role: {role}", role=t(lang, role)),
            ]
        )

    def card_buttons(kind: str, role: str) -> list[str]:
        kinds = [
            "official",
            "probationary",
            "exempted",
            "temporarily elsewhere",
            "visiting (temporarily here)",
        ]
        roles = ["deputy secretary", "committee member", "member", "guest"]
        return [
            *(("• " if k == kind else "") + t(lang, k) for k in kinds),
            *(("• " if r == role else "") + t(lang, r) for r in roles),
            t(lang, "Remove from cell"),
            t(lang, "« Members"),
        ]

    calls = await d.press(world.secretary, private, "2. Lê Minh")
    (edit,) = edits(calls)
    assert edit["text"] == card("official", "member", ("official",))
    assert buttons(edit) == card_buttons("official", "member")

    calls = await d.press(world.secretary, private, t(lang, "probationary"))
    (edit,) = edits(calls)
    assert edit["text"] == card("probationary", "member", ("probationary",))
    assert buttons(edit) == card_buttons("probationary", "member")

    calls = await d.press(world.secretary, private, t(lang, "deputy secretary"))
    (edit,) = edits(calls)
    assert edit["text"] == card(
        "probationary", "deputy secretary", ("probationary", "deputy secretary")
    )
    assert buttons(edit) == card_buttons("probationary", "deputy secretary")

    # Pressing the current choice again changes nothing and shows no error.
    calls = await d.press(world.secretary, private, "• " + t(lang, "probationary"))
    assert alerts(calls) == []
    assert [c.method for c in calls if c.method != "answerCallbackQuery"] == []

    membership = await world.membership(minh)
    assert membership is not None
    assert (membership.kind, membership.role) == (Kind.PROBATIONARY, Role.DEPUTY)
    assert await world.history(minh) == [
        ("status", "pending", "active"),
        ("kind", "official", "probationary"),
        ("role", "member", "deputy"),
    ]

    # Remove: asked to confirm, cancel goes back to the card, confirm removes.
    calls = await d.press(world.secretary, private, t(lang, "Remove from cell"))
    (edit,) = edits(calls)
    assert edit["text"] == t(lang, "Remove {name} from the cell?", name="Lê Minh")
    assert buttons(edit) == [t(lang, "Yes, remove"), t(lang, "Cancel")]
    calls = await d.press(world.secretary, private, t(lang, "Cancel"))
    (edit,) = edits(calls)
    assert edit["text"] == card(
        "probationary", "deputy secretary", ("probationary", "deputy secretary")
    )
    await d.press(world.secretary, private, t(lang, "Remove from cell"))
    calls = await d.press(world.secretary, private, t(lang, "Yes, remove"))
    (edit,) = edits(calls)
    assert edit["text"] == t(lang, "{name} was removed from the cell.", name="Lê Minh")
    assert buttons(edit) == []
    membership = await world.membership(minh)
    assert membership is not None and membership.status is Status.REMOVED
    assert (await world.history(minh))[-1] == ("status", "active", "removed")

    # Back to the list from another card: the roster without Minh.
    calls = await world.say(world.secretary, "/members", private=True)
    assert buttons(calls[0]) == ["1. Trần Lan", "3. Phạm Hoa"]
    await d.press(world.secretary, private, "3. Phạm Hoa")
    calls = await d.press(world.secretary, private, t(lang, "« Members"))
    (edit,) = edits(calls)
    assert "Minh" not in edit["text"]
    assert roster_line(lang, 3, "Phạm Hoa", "probationary", reachable=False) in edit["text"]
    assert buttons(edit) == ["1. Trần Lan", "3. Phạm Hoa"]


@BOTH_LANGUAGES
async def test_the_secretarys_card_has_no_role_or_remove_buttons(bot: Bot, lang: str) -> None:
    world, *_ = await populated(bot, lang)
    private = world.private(world.secretary)
    await world.say(world.secretary, "/members", private=True)
    calls = await world.d.press(world.secretary, private, "1. Trần Lan")
    (edit,) = edits(calls)
    assert buttons(edit) == [
        "• " + t(lang, "official"),
        t(lang, "probationary"),
        t(lang, "exempted"),
        t(lang, "temporarily elsewhere"),
        t(lang, "visiting (temporarily here)"),
        t(lang, "« Members"),
    ]


@BOTH_LANGUAGES
async def test_card_buttons_are_refused_to_others(bot: Bot, lang: str) -> None:
    world, minh, hoa, _ = await populated(bot, lang)
    target = await world.membership(hoa)
    assert target is not None
    member_id = target.id
    other = await make_cell(
        bot, lang, secretary=person(450, "Khác", lang=lang), group_id=-9009, name="Chi bộ khác"
    )
    for presser, refusal in ((minh, NOT_LEADER), (other.secretary, NOT_MEMBER)):
        private = world.private(presser)
        message_id = (await world.say(presser, "/help", private=True))[0].response["result"][
            "message_id"
        ]
        for data in (
            f"mc:{member_id}",
            f"mk:{member_id}:e",
            f"mr:{member_id}:g",
            f"my:{member_id}",
        ):
            calls = await world.d.press_data(presser, private, data, message_id)
            assert alerts(calls) == [error(lang, refusal)], data
            assert edits(calls) == []
    membership = await world.membership(hoa)
    assert membership is not None
    assert (membership.status, membership.kind, membership.role) == (
        Status.ACTIVE,
        Kind.PROBATIONARY,
        Role.MEMBER,
    )


# --- /kind, /role, /remove ---------------------------------------------------------------------


def updated(lang: str, *args: str, reachable: bool = True) -> str:
    return t(
        lang,
        "Updated: {line}",
        line=roster_line(lang, 2, "Lê Minh @minh", *args, reachable=reachable),
    )


@BOTH_LANGUAGES
async def test_kind_by_number_with_words_in_both_languages(bot: Bot, lang: str) -> None:
    world, minh, _, _ = await populated(bot, lang)
    say = world.reply_in_group
    assert await say(world.secretary, "/kind 2 dubi") == updated(lang, "probationary")
    assert await say(world.secretary, "/kind #2 chính thức") == updated(lang, "official")
    assert await say(world.secretary, "/kind 2 Miễn sinh hoạt") == updated(lang, "exempted")
    # "Sinh hoạt tạm thời" alone is a member visiting this cell; away is "ở nơi khác".
    assert await say(world.secretary, '/kind 2 "ở nơi khác"') == updated(
        lang, "temporarily elsewhere"
    )
    assert await say(world.secretary, "/kind 2 Official") == updated(lang, "official")
    assert await say(world.secretary, "/kind 2 dự bị") == updated(lang, "probationary")
    assert await world.history(minh) == [
        ("status", "pending", "active"),
        ("kind", "official", "probationary"),
        ("kind", "probationary", "official"),
        ("kind", "official", "exempted"),
        ("kind", "exempted", "elsewhere"),
        ("kind", "elsewhere", "official"),
        ("kind", "official", "probationary"),
    ]


@BOTH_LANGUAGES
async def test_role_by_username_and_by_reply(bot: Bot, lang: str) -> None:
    world, minh, hoa, _ = await populated(bot, lang)
    say = world.reply_in_group
    assert await say(world.secretary, "/role @MINH deputy") == updated(
        lang, "official", "deputy secretary"
    )
    assert await say(world.secretary, "/role @minh khách mời") == updated(
        lang, "official", "guest"
    )
    assert await say(world.secretary, "/role 2 đảng viên") == updated(lang, "official")

    # Hoa writes in the group (the bot does not see it, privacy mode), the secretary replies.
    update = world.d.message_update(hoa, world.group, "Em xin phép vắng buổi tới")
    message_id = update["message"]["message_id"]
    calls = await world.d.send(
        world.secretary, world.group, "/kind chinhthuc", reply_to_message_id=message_id
    )
    assert sent(calls, GROUP_ID) == [
        t(
            lang,
            "Updated: {line}",
            line=roster_line(lang, 3, "Phạm Hoa", "official", reachable=False),
        )
    ]
    calls = await world.d.send(
        world.secretary, world.group, "/role pbt", reply_to_message_id=message_id
    )
    assert sent(calls, GROUP_ID) == [
        t(
            lang,
            "Updated: {line}",
            line=roster_line(lang, 3, "Phạm Hoa", "official", "deputy secretary", reachable=False),
        )
    ]
    assert await world.history(minh) == [
        ("status", "pending", "active"),
        ("role", "member", "deputy"),
        ("role", "deputy", "guest"),
        ("role", "guest", "member"),
    ]
    assert (await world.history(hoa))[-2:] == [
        ("kind", "probationary", "official"),
        ("role", "member", "deputy"),
    ]


@BOTH_LANGUAGES
async def test_remove_by_number_and_by_reply(bot: Bot, lang: str) -> None:
    world, minh, hoa, _ = await populated(bot, lang)
    text = await world.reply_in_group(world.secretary, "/remove 2")
    assert text == t(lang, "{name} was removed from the cell.", name="Lê Minh")
    update = world.d.message_update(hoa, world.group, "Chào chi bộ")
    calls = await world.d.send(
        world.secretary,
        world.group,
        "/remove",
        reply_to_message_id=update["message"]["message_id"],
    )
    assert sent(calls, GROUP_ID) == [t(lang, "{name} was removed from the cell.", name="Phạm Hoa")]
    roster = await world.reply_in_group(world.secretary, "/members")
    assert "Minh" not in roster and "Hoa" not in roster
    assert roster.startswith(
        t(
            lang,
            "Cell «{name}»: {count} members ({official} official, {probationary} probationary)",
            name=CELL_NAME,
            count=1,
            official=1,
            probationary=0,
        )
    )
    assert (await world.history(minh))[-1] == ("status", "active", "removed")
    assert (await world.history(hoa))[-1] == ("status", "active", "removed")
    # A removed member is gone for the commands too, and can no longer see the roster.
    assert await world.reply_in_group(world.secretary, "/kind 2 dubi") == error(
        lang, NO_SUCH_MEMBER, example="/members"
    )
    assert await world.reply_in_group(minh, "/members") == error(lang, NOT_MEMBER)


@BOTH_LANGUAGES
async def test_member_command_errors_change_nothing(bot: Bot, lang: str) -> None:
    world, minh, _, _ = await populated(bot, lang)
    deputy = minh
    await world.say(world.secretary, "/role 2 deputy")
    history = await world.history(minh)
    cases = [
        (world.secretary, "/kind 99 dubi", error(lang, NO_SUCH_MEMBER, example="/members")),
        (world.secretary, "/kind @nobody dubi", error(lang, NO_SUCH_MEMBER, example="/members")),
        (world.secretary, "/remove 4", error(lang, NO_SUCH_MEMBER, example="/members")),
        (world.secretary, "/kind 2 foo", error(lang, CHOOSE_KIND, example="/kind 3 probationary")),
        (world.secretary, "/kind 2", error(lang, CHOOSE_KIND, example="/kind 3 probationary")),
        (world.secretary, "/kind", error(lang, NAME_MEMBER, example="/kind 3 probationary")),
        (
            world.secretary,
            "/kind Minh dubi",
            error(lang, NAME_MEMBER, example="/kind 3 probationary"),
        ),
        (world.secretary, "/role 2 boss", error(lang, CHOOSE_ROLE, example="/role 3 deputy")),
        (world.secretary, "/role 2 secretary", error(lang, CHOOSE_ROLE, example="/role 3 deputy")),
        (world.secretary, "/role 1 member", error(lang, SECRETARY_FIXED)),
        (deputy, "/role 1 guest", error(lang, SECRETARY_FIXED)),
        (world.secretary, "/remove 1", error(lang, SECRETARY_FIXED)),
        (deputy, "/remove 1", error(lang, SECRETARY_FIXED)),
        (deputy, "/remove 2", error(lang, "You cannot remove yourself.")),
        (
            world.secretary,
            "/remove 2 3",
            error(lang, "Give only the member's number.", example="/remove 3"),
        ),
    ]
    for user, command, expected in cases:
        assert await world.reply_in_group(user, command) == expected, command
    assert await world.history(minh) == history
    membership = await world.membership(minh)
    assert membership is not None
    assert (membership.status, membership.kind, membership.role) == (
        Status.ACTIVE,
        Kind.OFFICIAL,
        Role.DEPUTY,
    )
    secretary = await world.membership(world.secretary)
    assert secretary is not None and secretary.role is Role.SECRETARY
    assert await world.history(world.secretary) == []


@BOTH_LANGUAGES
async def test_member_commands_need_a_leader(bot: Bot, lang: str) -> None:
    world, minh, hoa, tuan = await populated(bot, lang)
    outsider = person(405, "Khách", lang=lang)
    for user, refusal in ((hoa, NOT_LEADER), (tuan, NOT_MEMBER), (outsider, NOT_MEMBER)):
        for command in ("/kind 2 dubi", "/role 2 deputy", "/remove 2"):
            assert await world.reply_in_group(user, command) == error(lang, refusal), command
    assert await world.history(minh) == [("status", "pending", "active")]


@BOTH_LANGUAGES
async def test_a_secretary_of_two_cells_must_use_the_group(bot: Bot, lang: str) -> None:
    world, *_ = await populated(bot, lang)
    await make_cell(bot, lang, secretary=world.secretary, group_id=-9009, name="Chi bộ hai")
    refusal = error(lang, "You belong to several cells: use this command in the cell's group.")
    for command in ("/members", "/kind 2 dubi", "/invite"):
        assert await world.reply_in_private(world.secretary, command) == refusal
    text = await world.reply_in_group(world.secretary, "/members")
    assert "Lê Minh" in text
