"""Personal and operator commands, end to end in both languages: /start, /help, /setup, /lang,
/name, /cells, /newcell, and the command menus registered at start."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import timedelta
from pathlib import Path

from bot.domain.cells import Role, Status
from bot.domain.identity import ChatRef, Identity
from sandbox.driver import TgUser
from tests.conftest import Bot, make_settings, start_bot, stop_bot
from tests.e2e.cells_support import (
    BOTH_LANGUAGES,
    CELL_NAME,
    GROUP_ID,
    GROUP_LANGUAGE,
    SETUP_OK,
    World,
    buttons,
    count_rows,
    edits,
    error,
    invite_payload,
    make_cell,
    new_code,
    only_text,
    person,
    sent,
    t,
)

SETUP_EXAMPLE = "/setup ABCD-EFGH-JKLM"
SETUP_CODE_RE = re.compile(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}")
HELLO = (
    "Hello {name}! I am cellmeet: I schedule your cell's online meetings, send "
    "reminders and record who will attend and who asks to be excused."
)
WRONG_CODE = "This setup code is wrong, used or expired. Ask your operator."
NOT_OPERATOR = "Only operators can do this."


# The commands of this area; other areas (meetings, votes...) add theirs to /help too.
CELL_COMMANDS = frozenset(
    {
        "start",
        "help",
        "join",
        "lang",
        "name",
        "members",
        "setup",
        "invite",
        "kind",
        "role",
        "remove",
        "cells",
        "newcell",
    }
)


def listed(help_text: str) -> set[str]:
    """The commands of cells and members a /help message offers."""
    offered = {line.split()[0][1:] for line in help_text.splitlines() if line.startswith("/")}
    return offered & CELL_COMMANDS


async def stored_user(bot: Bot, user: TgUser) -> tuple[bool, str | None, str | None]:
    """(reachable, private chat id, full name) of a user as the database has them."""
    identity = Identity("telegram", str(user.id), user.first_name)
    found = await bot.app.bot_data.services.members.known_user(identity)
    assert found is not None
    return found.reachable, found.private_chat_id, found.full_name


# --- /start ------------------------------------------------------------------------------------


@BOTH_LANGUAGES
async def test_start_in_private_welcomes_with_help_and_marks_reachable(
    bot: Bot, lang: str
) -> None:
    user = person(201, "Minh", "Lê", lang=lang)
    d = bot.driver
    assert (
        await bot.app.bot_data.services.members.known_user(Identity("telegram", "201", "Lê Minh"))
        is None
    )

    text = only_text(await d.send(user, d.private_chat(user), "/start"), user.id)

    hello = t(lang, HELLO, name="Lê Minh")
    assert text.startswith(hello + "\n\n" + t(lang, "What you can do in this chat:") + "\n")
    assert "/help — " + t(lang, "what you can do here") in text
    assert listed(text) == {"start", "help", "lang"}
    assert await stored_user(bot, user) == (True, "201", None)


@BOTH_LANGUAGES
async def test_start_with_hello_payload_is_a_plain_start(bot: Bot, lang: str) -> None:
    user = person(202, "Hoa", lang=lang)
    text = only_text(await bot.driver.send(user, bot.driver.private_chat(user), "/start hi"), 202)
    assert text.startswith(t(lang, HELLO, name="Hoa"))
    assert await stored_user(bot, user) == (True, "202", None)


@BOTH_LANGUAGES
async def test_start_in_a_group_points_to_help(bot: Bot, lang: str) -> None:
    user = person(203, "Tuấn", lang=lang)
    group = bot.driver.group(GROUP_ID, "Chi bộ")
    text = only_text(await bot.driver.send(user, group, "/start"), GROUP_ID)
    # A group that is no cell reads DEFAULT_LANGUAGE (vi), whatever the sender's language.
    assert text == t("vi", "Send /help to see what you can do here.")
    assert await count_rows(bot, "cells") == 0


@BOTH_LANGUAGES
async def test_start_with_invite_payload_sends_request_to_leaders(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    link_text = await world.reply_in_group(world.secretary, "/invite")
    payload = invite_payload(link_text)
    applicant = person(210, "Quang", "Đỗ", username="quang", lang=lang)

    calls = await world.say(applicant, f"/start {payload}", private=True)

    assert sent(calls, applicant.id) == [
        t(
            lang,
            "Your request to join «{cell}» was sent to the secretary. "
            "I will tell you here when it is decided.",
            cell=CELL_NAME,
        )
    ]
    to_secretary = [c for c in calls if c.method == "sendMessage" and c["chat_id"] == 101]
    assert len(to_secretary) == 1
    assert to_secretary[0]["text"] == t(
        lang,
        "{name}{username} asks to join «{cell}» {how}.",
        name="Đỗ Quang",
        username=" (@quang)",
        cell=CELL_NAME,
        how=t(lang, "by invite link"),
    )
    assert buttons(to_secretary[0]) == [
        t(lang, "✅ Approve: official"),
        t(lang, "✅ Approve: probationary"),
        t(lang, "❌ Decline"),
    ]
    assert sent(calls, GROUP_ID) == []
    membership = await world.membership(applicant)
    assert membership is not None
    assert (membership.status, membership.via) == (Status.PENDING, "invite")

    # The applicant started the bot, so the decision reaches them privately.
    calls = await world.d.press(
        world.secretary, world.private(world.secretary), t(lang, "✅ Approve: official")
    )
    assert sent(calls, applicant.id) == [
        t(lang, "Welcome to «{cell}»! Send /help to see what you can do.", cell=CELL_NAME)
    ]


@BOTH_LANGUAGES
async def test_start_with_garbage_payload_is_refused_and_creates_nothing(
    bot: Bot, lang: str
) -> None:
    world = await make_cell(bot, lang)
    await world.reply_in_group(world.secretary, "/invite")
    user = person(220, "Khách", lang=lang)
    refusal = error(lang, "This invite link is wrong, used up or expired. Ask your secretary.")
    for payload in ("hello", "inv-", "inv-doesnotexist", "inv-" + "x" * 60):
        text = await world.reply_in_private(user, f"/start {payload}")
        assert text == refusal
    assert await world.membership(user) is None
    assert await count_rows(bot, "memberships") == 1
    assert await count_rows(bot, "membership_history") == 0


# --- /help -------------------------------------------------------------------------------------


@BOTH_LANGUAGES
async def test_help_in_a_group_that_is_not_a_cell(bot: Bot, lang: str) -> None:
    user = person(230, "Bình", lang=lang)
    group = bot.driver.group(-2002, "Nhóm bạn")
    text = only_text(await bot.driver.send(user, group, "/help"), -2002)
    # A group that is no cell reads DEFAULT_LANGUAGE (vi), whatever the sender's language.
    assert text.splitlines()[0] == t("vi", "This group is not a cell yet.")
    assert listed(text) == {"help", "join", "lang", "setup"}
    assert (
        f"/setup {t('vi', 'CODE')} — "
        + t("vi", "make this group a cell (with the operator's code)")
        in text
    )
    assert "/join — " + t("vi", "ask to join this group's cell") in text


@BOTH_LANGUAGES
async def test_help_in_a_cell_group_depends_on_the_callers_standing(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    member = person(231, "Minh", "Lê", lang=lang)
    await world.join(member)
    outsider = person(232, "Khách", lang=lang)
    header = t(lang, "Cell «{name}». What you can do here:", name=CELL_NAME)

    text = await world.reply_in_group(outsider, "/help")
    assert text.splitlines()[0] == header
    assert listed(text) == {"help", "join", "lang"}

    text = await world.reply_in_group(member, "/help")
    assert text.splitlines()[0] == header
    assert listed(text) == {"help", "lang", "name", "members"}
    assert "/members — " + t(lang, "the cell's members") in text

    text = await world.reply_in_group(world.secretary, "/help")
    assert listed(text) == {"help", "lang", "name", "members", "invite", "kind", "role", "remove"}
    assert "/invite [10] [7] — " + t(lang, "an invite link: uses, days") in text
    assert f"/remove {t(lang, 'N')} — " + t(lang, "take a member off the roster") in text


@BOTH_LANGUAGES
async def test_help_in_private_for_an_operator_and_a_plain_user(
    bot: Bot, lang: str, operator: TgUser
) -> None:
    operator = person(operator.id, "Operator", lang=lang)
    text = only_text(
        await bot.driver.send(operator, bot.driver.private_chat(operator), "/help"), 9000
    )
    assert text.splitlines()[0] == t(lang, "What you can do in this chat:")
    assert listed(text) == {"start", "help", "lang", "cells", "newcell"}
    assert "/cells — " + t(lang, "all cells (operators)") in text
    assert (
        f"/newcell {t(lang, 'NAME')} — " + t(lang, "a setup code for a new cell (operators)")
        in text
    )

    user = person(240, "Dân", lang=lang)
    text = only_text(await bot.driver.send(user, bot.driver.private_chat(user), "/help"), 240)
    assert listed(text) == {"start", "help", "lang"}


@BOTH_LANGUAGES
async def test_help_in_private_for_a_secretary_lists_leader_commands(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    text = await world.reply_in_private(world.secretary, "/help")
    assert listed(text) == {
        "start",
        "help",
        "lang",
        "name",
        "members",
        "invite",
        "kind",
        "role",
        "remove",
    }


# --- /setup ------------------------------------------------------------------------------------


@BOTH_LANGUAGES
async def test_setup_with_a_valid_code_makes_the_caller_secretary(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    membership = await world.membership(world.secretary)
    assert membership is not None
    assert (membership.status, membership.role, membership.number) == (
        Status.ACTIVE,
        Role.SECRETARY,
        1,
    )
    cell = await bot.app.bot_data.services.cells.cell_of_chat(
        ChatRef("telegram", str(GROUP_ID), is_private=False)
    )
    assert cell is not None and cell.name == CELL_NAME


@BOTH_LANGUAGES
async def test_setup_by_an_unreachable_secretary_explains_how_to_start(
    bot: Bot, lang: str
) -> None:
    # make_cell checks the second message: open the private chat to get buttons.
    world = await make_cell(bot, lang, reachable=False)
    assert await world.membership(world.secretary) is not None


@BOTH_LANGUAGES
async def test_setup_with_wrong_code_is_refused(bot: Bot, lang: str) -> None:
    user = person(250, "Lan", lang=lang)
    group = bot.driver.group(GROUP_ID, "Chi bộ")
    for bad in ("AAAA-BBBB-CCCC", "xyz", "A" * 65):
        text = only_text(await bot.driver.send(user, group, f"/setup {bad}"), GROUP_ID)
        example = None if len(bad) > 64 else SETUP_EXAMPLE
        # Said in the group (the bot cannot write to them privately): the group's language.
        assert text == error("vi", WRONG_CODE, example=example)
    assert await count_rows(bot, "cells") == 0
    assert await count_rows(bot, "memberships") == 0


@BOTH_LANGUAGES
async def test_setup_code_works_once(bot: Bot, lang: str) -> None:
    user = person(251, "Lan", lang=lang)
    code = await new_code(bot)
    first = bot.driver.group(-3001, "Một")
    second = bot.driver.group(-3002, "Hai")
    await bot.driver.send(user, first, f"/setup {code}")
    # Codes are typed loosely: lower case, spaces instead of dashes.
    again = code.lower().replace("-", " ")
    text = only_text(await bot.driver.send(user, second, f"/setup {again}"), -3002)
    # Said in the group (the bot cannot write to them privately): the group's language.
    assert text == error("vi", WRONG_CODE, example=SETUP_EXAMPLE)
    assert await count_rows(bot, "cells") == 1


@BOTH_LANGUAGES
async def test_setup_code_expires_after_14_days(bot: Bot, lang: str) -> None:
    user = person(252, "Lan", lang=lang)
    code = await new_code(bot)
    bot.clock.advance(timedelta(days=15))
    group = bot.driver.group(GROUP_ID, "Chi bộ")
    text = only_text(await bot.driver.send(user, group, f"/setup {code}"), GROUP_ID)
    # Said in the group (the bot cannot write to them privately): the group's language.
    assert text == error("vi", WRONG_CODE, example=SETUP_EXAMPLE)
    assert await count_rows(bot, "cells") == 0


@BOTH_LANGUAGES
async def test_setup_in_private_is_refused(bot: Bot, lang: str) -> None:
    user = person(253, "Lan", lang=lang)
    code = await new_code(bot)
    text = only_text(
        await bot.driver.send(user, bot.driver.private_chat(user), f"/setup {code}"), 253
    )
    assert text == error(
        lang,
        "Use /setup in the group of your cell, after adding the bot there.",
        example=SETUP_EXAMPLE,
    )
    assert await count_rows(bot, "cells") == 0
    # The code was not spent.
    group = bot.driver.group(GROUP_ID, "Chi bộ")
    texts = sent(await bot.driver.send(user, group, f"/setup {code}"), GROUP_ID)
    # A new cell speaks DEFAULT_LANGUAGE (vi) in its group.
    assert texts[0] == t("vi", SETUP_OK, name=CELL_NAME)


@BOTH_LANGUAGES
async def test_setup_in_a_group_that_is_already_a_cell_is_refused(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    code = await new_code(bot, "Chi bộ khác")
    intruder = person(254, "Kẻ", lang=lang)
    for user in (world.secretary, intruder):
        text = await world.reply_in_group(user, f"/setup {code}")
        assert text == error(lang, "This group is already the cell «{name}».", name=CELL_NAME)
    assert await count_rows(bot, "cells") == 1
    assert await world.membership(intruder) is None
    # The refused code is still good for another group.
    other = bot.driver.group(-3003, "Khác")
    texts = sent(await bot.driver.send(intruder, other, f"/setup {code}"), -3003)
    assert texts[0] == t("vi", SETUP_OK, name="Chi bộ khác")


@BOTH_LANGUAGES
async def test_setup_without_code_needs_one_when_registration_is_by_code(
    bot: Bot, lang: str
) -> None:
    user = person(255, "Lan", lang=lang)
    group = bot.driver.group(GROUP_ID, "Chi bộ")
    text = only_text(await bot.driver.send(user, group, "/setup"), GROUP_ID)
    # Said in the group (the bot cannot write to them privately): the group's language.
    assert text == error(
        "vi", "Give the setup code you received from your operator.", example=SETUP_EXAMPLE
    )
    assert await count_rows(bot, "cells") == 0


@BOTH_LANGUAGES
async def test_setup_without_code_when_registration_is_open(tmp_path: Path, lang: str) -> None:
    bot = await start_bot(make_settings(tmp_path, registration="open"))
    try:
        user = person(256, "Lan", lang=lang)
        group = bot.driver.group(-4004, "Chi bộ Tàu  HQ-561")
        texts = sent(await bot.driver.send(user, group, "/setup"), -4004)
        # A new cell speaks DEFAULT_LANGUAGE (vi) in its group.
        assert texts[0] == t("vi", SETUP_OK, name="Chi bộ Tàu HQ-561")
        world = World(bot, lang, user, group, "Chi bộ Tàu HQ-561")
        membership = await world.membership(user)
        assert membership is not None and membership.role is Role.SECRETARY
        # Open registration still binds one group to one cell only.
        text = only_text(await bot.driver.send(user, group, "/setup"), -4004)
        # Said in the group (the bot cannot write to them privately): the cell's language.
        assert text == error(
            "vi", "This group is already the cell «{name}».", name="Chi bộ Tàu HQ-561"
        )
        assert await count_rows(bot, "cells") == 1
    finally:
        await stop_bot(bot)


# --- /lang -------------------------------------------------------------------------------------


def other(lang: str) -> str:
    return "en" if lang == "vi" else "vi"


@BOTH_LANGUAGES
async def test_lang_without_arguments_offers_buttons(bot: Bot, lang: str) -> None:
    user = person(260, "Minh", lang=lang)
    d = bot.driver
    private = d.private_chat(user)
    calls = await d.send(user, private, "/lang")
    assert sent(calls, 260) == [t(lang, "Choose your language:")]
    assert buttons(calls[0]) == ["🇻🇳 Tiếng Việt", "🇬🇧 English"]

    label = "🇬🇧 English" if lang == "vi" else "🇻🇳 Tiếng Việt"
    calls = await d.press(user, private, label)
    (edit,) = edits(calls)
    assert edit["text"] == t(other(lang), "Language: English.")
    assert buttons(edit) == []
    # From now on the bot answers in the chosen language, whatever Telegram says.
    text = only_text(await d.send(user, private, "/help"), 260)
    assert text.splitlines()[0] == t(other(lang), "What you can do in this chat:")


@BOTH_LANGUAGES
async def test_lang_with_argument_switches_replies(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    text = await world.reply_in_group(world.secretary, f"/lang {other(lang).upper()}")
    # The secretary's /lang in the group sets the group's language too.
    assert text == t(other(lang), "Language: English.") + "\n" + t(other(lang), GROUP_LANGUAGE)
    assert text.startswith("Language: English." if lang == "vi" else "Ngôn ngữ: Tiếng Việt.")
    text = await world.reply_in_group(world.secretary, "/help")
    assert text.splitlines()[0] == t(
        other(lang), "Cell «{name}». What you can do here:", name=CELL_NAME
    )


@BOTH_LANGUAGES
async def test_lang_with_invalid_argument_is_refused(bot: Bot, lang: str) -> None:
    user = person(261, "Minh", lang=lang)
    private = bot.driver.private_chat(user)
    for bad in ("fr", "english", "vi en"):
        text = only_text(await bot.driver.send(user, private, f"/lang {bad}"), 261)
        assert text == error(lang, "Choose vi (Tiếng Việt) or en (English).", example="/lang en")
    text = only_text(await bot.driver.send(user, private, "/help"), 261)
    assert text.splitlines()[0] == t(lang, "What you can do in this chat:")


# --- /name -------------------------------------------------------------------------------------


@BOTH_LANGUAGES
async def test_name_records_a_vietnamese_full_name(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    member = person(270, "An", lang=lang)
    await world.join(member)
    # Decomposed diacritics (as some keyboards send them) are stored composed.
    typed = unicodedata.normalize("NFD", "Nguyễn Văn  An")
    text = await world.reply_in_group(member, f"/name {typed}")
    assert text == t(lang, "Your name is recorded as: {name}", name="Nguyễn Văn An")
    assert (await stored_user(bot, member))[2] == "Nguyễn Văn An"
    roster = await world.reply_in_group(world.secretary, "/members")
    assert "2. Nguyễn Văn An — " in roster

    text = await world.reply_in_private(world.secretary, "/name Trần Thị Lan")
    assert text == t(lang, "Your name is recorded as: {name}", name="Trần Thị Lan")


@BOTH_LANGUAGES
async def test_name_is_refused_for_non_members(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    outsider = person(271, "Khách", lang=lang)
    for private in (False, True):
        calls = await world.say(outsider, "/name Nguyễn Văn An", private=private)
        assert sent(calls) == [
            error(lang, "Only cell members can record a name. Use /join in your group.")
        ]
    # A refused outsider is not even recorded as a user.
    assert (
        await bot.app.bot_data.services.members.known_user(
            Identity("telegram", str(outsider.id), "Khách")
        )
        is None
    )


@BOTH_LANGUAGES
async def test_invalid_names_are_refused(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    refusal = error(
        lang,
        "Please give your full name as in party records (letters only, up to 100).",
        example="/name Nguyễn Văn An",
    )
    for bad in ("", "12345", "A", "Nguyễn <b>An</b>", "An\u200bNguyễn", "Nguyễn " * 20):
        text = await world.reply_in_group(world.secretary, f"/name {bad}".strip())
        assert text == refusal, bad
    assert (await stored_user(bot, world.secretary))[2] is None


# --- operators ---------------------------------------------------------------------------------


@BOTH_LANGUAGES
async def test_operator_creates_a_code_that_sets_up_a_cell(
    bot: Bot, lang: str, operator: TgUser
) -> None:
    operator = person(operator.id, "Operator", lang=lang)
    d = bot.driver
    private = d.private_chat(operator)
    text = only_text(await d.send(operator, private, "/cells"), operator.id)
    assert text == t(lang, "No cells yet. Create a code with /newcell NAME.")

    text = only_text(await d.send(operator, private, '/newcell "Chi bộ Tàu 2"'), operator.id)
    match = SETUP_CODE_RE.search(text)
    assert match is not None
    code = match[0]
    assert text == t(
        lang,
        "Setup code (one use, 14 days): {code}\n"
        "The secretary adds the bot to the cell's group and sends /setup {code} there.",
        code=code,
    )

    world = World(
        bot, lang, person(280, "Lan", lang=lang), d.group(-5005, "Tàu 2"), "Chi bộ Tàu 2"
    )
    await world.start(world.secretary)
    texts = sent(await world.say(world.secretary, f"/setup {code}"), -5005)
    # A new cell speaks DEFAULT_LANGUAGE (vi) in its group.
    assert texts[0] == t("vi", SETUP_OK, name="Chi bộ Tàu 2")
    await world.say(person(281, "Minh", lang=lang), "/join")

    text = only_text(await d.send(operator, private, "/cells"), operator.id)
    assert text == "\n".join(
        [
            t(lang, "Cells:"),
            t(
                lang,
                "#{id} {name}: {active} members, {pending} waiting",
                id=1,
                name="Chi bộ Tàu 2",
                active=1,
                pending=1,
            ),
        ]
    )


@BOTH_LANGUAGES
async def test_newcell_without_a_name_is_refused(bot: Bot, lang: str, operator: TgUser) -> None:
    operator = person(operator.id, "Operator", lang=lang)
    d = bot.driver
    for command in ("/newcell", '/newcell ""', "/newcell " + "x" * 101):
        text = only_text(await d.send(operator, d.private_chat(operator), command), operator.id)
        assert text == error(
            lang, "Give the cell's name (up to 100 characters).", example='/newcell "Chi bộ 1"'
        )
    assert await count_rows(bot, "setup_codes") == 0


@BOTH_LANGUAGES
async def test_operator_commands_are_refused_to_others(bot: Bot, lang: str) -> None:
    world = await make_cell(bot, lang)
    for command in ("/cells", '/newcell "Chi bộ giả"'):
        text = await world.reply_in_private(world.secretary, command)
        assert text == error(lang, NOT_OPERATOR)
        text = await world.reply_in_group(world.secretary, command)
        assert text == error(lang, NOT_OPERATOR)
        assert CELL_NAME not in text
    assert await count_rows(bot, "setup_codes") == 1


# --- command menus -----------------------------------------------------------------------------


async def test_command_menus_are_registered_for_both_scopes_and_languages(bot: Bot) -> None:
    calls = [c for c in bot.fake.calls if c.method == "setMyCommands"]
    assert all(c.ok for c in calls)
    registered = {(c["scope"]["type"], c.get("language_code", "")): c["commands"] for c in calls}
    assert set(registered) == {
        (scope, language)
        for scope in ("all_private_chats", "all_group_chats")
        for language in ("", "vi", "en")
    }
    for (scope, language), commands in registered.items():
        names = [c["command"] for c in commands]
        if scope == "all_private_chats":
            assert names[:2] == ["start", "help"] and "join" not in names
            assert "setup" not in names
        else:
            assert "join" in names and "setup" in names and "start" not in names
        assert "cells" not in names and "newcell" not in names
        described = {c["command"]: c["description"] for c in commands}
        assert described["help"] == t(language or "vi", "what you can do here")
        assert described["members"] == t(language or "vi", "the cell's members")
    # The fake keeps what getMyCommands would answer.
    key = (json.dumps({"type": "all_group_chats"}, sort_keys=True), "en")
    assert {c["command"] for c in bot.fake.commands[key]} >= {"join", "members", "help"}


@BOTH_LANGUAGES
async def test_unknown_commands_and_stray_text_get_a_hint_only_in_private(
    bot: Bot, lang: str
) -> None:
    d = bot.driver
    user = TgUser(777, "Lạ", language_code=lang)
    private = d.private_chat(user)
    calls = await d.send(user, private, "/frobnicate now")
    assert [c["text"] for c in calls] == [
        t(lang, "I don't know this command. Send /help to see what you can do.")
    ]
    calls = await d.send(user, private, "xin chào")
    assert [c["text"] for c in calls] == [t(lang, "Send /help to see what you can do here.")]
    group = d.group(-100777, "Nhóm khác")
    # In a group an unknown command may be meant for another bot: no answer.
    assert await d.send(user, group, "/frobnicate@cellmeet_test_bot") == []
    assert await d.send(user, group, "/otherbot_command") == []
