"""The bot writes in a cell's group in the cell's language, and to a person privately in theirs
(issue 10, item 17): a member whose language is not the cell's reads the group's answers in
the cell's language; the secretary's /lang in the group sets the cell's; a plain member's
/lang there sets their own only."""

from __future__ import annotations

from bot.domain.identity import ChatRef
from tests.conftest import Bot
from tests.e2e.cells_support import (
    BOTH_LANGUAGES,
    CELL_NAME,
    GROUP_LANGUAGE,
    make_cell,
    person,
    sent,
    t,
)

HELP_HEADER = "Cell «{name}». What you can do here:"
PRIVATE_HEADER = "What you can do in this chat:"


def other(lang: str) -> str:
    """The language that is not `lang`."""
    return "en" if lang == "vi" else "vi"


async def cell_language(bot: Bot) -> str:
    """The language stored for the cell."""
    cell = await bot.app.bot_data.services.cells.cell_of_chat(
        ChatRef("telegram", str(-1001), is_private=False)
    )
    assert cell is not None
    return cell.language


async def user_language(bot: Bot, user_id: int) -> str | None:
    """The language a user chose with /lang (None: their Telegram language)."""
    async with bot.app.bot_data.database.reading() as uow:
        found = await uow.users.get("telegram", str(user_id))
    assert found is not None
    return found.language


@BOTH_LANGUAGES
async def test_the_group_reads_the_cells_language_and_a_member_theirs_in_private(
    bot: Bot, lang: str
) -> None:
    # The member speaks `lang`; the cell the other language (vi by default; an English cell
    # when the member is Vietnamese: its secretary chose it with /lang en in the group).
    cell_lang = other(lang)
    world = await make_cell(bot, cell_lang)
    assert await cell_language(bot) == cell_lang
    member = person(502, "Minh", "Lê", lang=lang)
    await world.join(member)

    # /help in the group: the group's answer, in the cell's language, not the member's.
    said = sent(await world.say(member, "/help"), world.group.id)
    assert len(said) == 1 and said[0].startswith(t(cell_lang, HELP_HEADER, name=CELL_NAME))
    # The same /help in private: the member's own language.
    said = sent(await world.say(member, "/help", private=True), member.id)
    assert len(said) == 1 and said[0].startswith(t(lang, PRIVATE_HEADER)), said

    # The secretary switches the group to the member's language: the group answers in it.
    calls = await world.say(world.secretary, f"/lang {lang}")
    assert sent(calls, world.group.id) == [
        t(lang, "Language: English.") + "\n" + t(lang, GROUP_LANGUAGE)
    ]
    assert await cell_language(bot) == lang
    said = sent(await world.say(member, "/help"), world.group.id)
    assert len(said) == 1 and said[0].startswith(t(lang, HELP_HEADER, name=CELL_NAME))

    # A plain member's /lang in the group is their own choice only: the cell keeps its language.
    calls = await world.say(member, f"/lang {cell_lang}")
    assert sent(calls, world.group.id) == [t(cell_lang, "Language: English.")]
    assert await user_language(bot, member.id) == cell_lang
    assert await cell_language(bot) == lang
    said = sent(await world.say(world.secretary, "/help"), world.group.id)
    assert len(said) == 1 and said[0].startswith(t(lang, HELP_HEADER, name=CELL_NAME))
    # Privately the member now reads their chosen language.
    said = sent(await world.say(member, "/help", private=True), member.id)
    assert len(said) == 1 and said[0].startswith(t(cell_lang, PRIVATE_HEADER)), said
