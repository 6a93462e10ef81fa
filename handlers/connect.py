"""/connect on every channel: one person's Telegram and Zalo accounts made one."""

from __future__ import annotations

from bot.domain.identity import Identity
from bot.i18n import Translator, translator
from bot.services.accounts import CODE_VALID
from bot.services.registry import Services
from bot.texts import CHANNEL_NAMES, channel_name, connect_text, connected_text, prefers_text


async def connect_reply(services: Services, identity: Identity, args: str) -> str:
    """What /connect answers, on any channel: a new code, the accounts connected, or where
    private messages go first."""
    accounts = services.accounts
    language = await services.members.language_for(identity)
    tr = translator(language)
    wanted = args.strip().lower()
    if wanted in CHANNEL_NAMES:
        return prefers_text(tr, await accounts.prefer(identity, wanted))
    if wanted:
        done = await accounts.connect(identity, wanted)
        # The person's language now (their first account's, if it has one).
        tr = translator(services.members.user_language(done.person))
        return connected_text(tr, done.person, done.merged_cells)
    code = await accounts.new_code(identity)
    user = await accounts.status(identity)
    assert user is not None
    minutes = int(CODE_VALID.total_seconds() // 60)
    return connect_text(tr, user, code.code, minutes)


def id_text(tr: Translator, identity: Identity) -> str:
    """/id: who the caller is on this channel (for ADMIN_IDS)."""
    return tr.gettext(
        "Your {channel} id: {id}\nAn operator is listed in ADMIN_IDS as {qualified}",
        channel=channel_name(identity.channel),
        id=identity.external_id,
        qualified=identity.qualified,
    )
