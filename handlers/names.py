"""/name on every channel: a member's own full name, or a leader's correction of a member's."""

from __future__ import annotations

from bot.domain.identity import ChatRef, Identity
from bot.i18n import Translator
from bot.services.members import parse_member_ref
from bot.services.registry import Services


async def name_reply(
    services: Services, identity: Identity, chat: ChatRef, tr: Translator, args: str
) -> str:
    """/name [N] Full Name: the caller's own name, or (a roster number or @username first,
    which no name starts with) a leader's correction of a member's."""
    words = args.split(maxsplit=1)
    ref = parse_member_ref(words[0]) if len(words) == 2 else None
    if ref is None:
        full_name = await services.members.set_name(identity, args)
        return tr.gettext("Your name is recorded as: {name}", name=full_name)
    _, member = await services.members.set_member_name(identity, chat, ref, words[1])
    return tr.gettext(
        "Member {number}'s name is recorded as: {name}",
        number=member.number,
        name=member.user.name,
    )
