"""A running meeting's agenda and its minutes on Zalo, where there are no buttons and no
replies to a group's message:

- the same commands as on Telegram (``/next``, ``/speaker``, ``/note``, ``/ketluan``,
  ``/close``, ``/minutes N …``);
- during an open meeting, a private message that starts with an item's number
  ("2. Tôi đề nghị …", "2 …") is what the sender says on that item;
- ✋, the next speaker, approving a draft and scoring the meeting are numbered choices.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.domain.identity import ChatRef, Identity
from bot.domain.messages import ApproveMinutes, ChoiceAction, NextSpeaker, RaiseHand, ScoreMeeting
from bot.domain.proceedings import ContributionKind
from bot.i18n import Translator
from bot.minutes_text import minutes_text
from bot.services.minutes import approve_choices, queue_choices
from handlers.telegram.meeting_render import meeting_number
from handlers.telegram.minutes_render import (
    draft_text,
    hand_text,
    parse_minutes_args,
    queue_text,
    recorded_text,
)

if TYPE_CHECKING:
    from handlers.zalo.bot import ZaloBot

# "2. Tôi đề nghị …", "2) …", "2 - …", "2 …": an item's number, then what is said.
ITEM_PREFIX = re.compile(r"([0-9]{1,2})\s*[.):-]?\s+(\S.*)", re.S)
MINUTES_ACTIONS = (RaiseHand, NextSpeaker, ApproveMinutes, ScoreMeeting)


def _number(args: str, example: str) -> int | None:
    return meeting_number(args, example) if args else None


async def contribution(
    bot: ZaloBot, identity: Identity, chat: ChatRef, text: str, tr: Translator
) -> str | None:
    """A message starting with an item's number during the sender's cell's open meeting:
    recorded as said on that item; None when it is not one (no open meeting, no number)."""
    found = ITEM_PREFIX.fullmatch(text)
    if found is None:
        return None
    running = await bot.services.minutes.open_meeting_of(identity)
    if running is None:
        return None
    _, meeting, _, items = running
    if not 1 <= int(found[1]) <= items:
        # No item has that number ("15 phút nữa em vào"): an ordinary message, not a speech.
        return None
    recorded = await bot.services.minutes.contribute(
        identity, chat, meeting.id, int(found[1]), found[2]
    )
    return recorded_text(tr, recorded)


async def next_item(
    bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator
) -> str:
    """/next [N]: the next item; the group (if any) and the members are told."""
    taken = await bot.services.minutes.next_item(identity, chat, _number(args, "/next"))
    await taken.announce(False)
    return tr.gettext(
        "Item {position}/{total}: {title}",
        position=taken.position,
        total=taken.total,
        title=taken.title,
    )


async def speaker(
    bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator
) -> str:
    """/speaker: the queue, with the next-speaker number."""
    queue = await bot.services.minutes.queue(identity, chat, None)
    text = queue_text(tr, queue)
    if not queue.waiting:
        return text
    return await bot.offer(identity, text, queue_choices(tr, queue.meeting.id), tr)


async def note(bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
    """/note TEXT (/ghichu)."""
    recorded = await bot.services.minutes.record(identity, chat, ContributionKind.NOTE, args)
    return recorded_text(tr, recorded)


async def conclude(
    bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator
) -> str:
    """/ketluan TEXT (/conclude)."""
    recorded = await bot.services.minutes.record(identity, chat, ContributionKind.CONCLUSION, args)
    return recorded_text(tr, recorded)


async def close(bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
    """/close [N]."""
    closed = await bot.services.minutes.close(identity, chat, _number(args, "/close 12"))
    await closed.announce()
    return tr.gettext(
        "Meeting #{id} is closed; the final attendance went to the group and the draft "
        "minutes to the secretary and the minute-taker.",
        id=closed.meeting.number,
    )


async def minutes_command(
    bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator
) -> str:
    """/minutes N [vK | edit ITEM[.K] TEXT | add TEXT | approve]."""
    parsed = parse_minutes_args(args)
    service = bot.services.minutes
    if parsed.verb == "show":
        return minutes_text(tr, await service.show(identity, chat, parsed.number, parsed.version))
    if parsed.verb == "approve":
        approved = await service.approve(identity, chat, number=parsed.number)
        await approved.announce()
        return tr.gettext(
            "The minutes of meeting #{id} are approved and published in the group.",
            id=approved.meeting.number,
        )
    draft = await service.correct(
        identity, chat, parsed.number, parsed.verb, parsed.target, parsed.text
    )
    choices = approve_choices(tr, draft.meeting.id, draft.minutes.version)
    return await bot.offer(identity, draft_text(tr, draft), choices, tr)


async def choose(
    bot: ZaloBot, identity: Identity, chat: ChatRef, action: ChoiceAction, tr: Translator
) -> str:
    """A numbered choice of this area, applied as its button would be."""
    service = bot.services.minutes
    if isinstance(action, RaiseHand):
        queue = await service.raise_hand(identity, None, action.meeting_id, action.position)
        await queue.announce()
        return hand_text(tr, queue)
    if isinstance(action, NextSpeaker):
        queue = await service.next_speaker(identity, None, action.meeting_id)
        await queue.announce()
        text = queue_text(tr, queue)
        if not queue.waiting:
            return text
        return await bot.offer(identity, text, queue_choices(tr, action.meeting_id), tr)
    if isinstance(action, ApproveMinutes):
        approved = await service.approve(
            identity, None, meeting_id=action.meeting_id, version=action.version
        )
        await approved.announce()
        return tr.gettext(
            "The minutes of meeting #{id} are approved and published in the group.",
            id=approved.meeting.number,
        )
    assert isinstance(action, ScoreMeeting)
    await service.score(identity, None, action.meeting_id, action.grade)
    return tr.gettext("Thank you: your score is counted, without your name.")


COMMANDS = {
    "next": next_item,
    "speaker": speaker,
    "note": note,
    "ghichu": note,
    "ketluan": conclude,
    "conclude": conclude,
    "close": close,
    "minutes": minutes_command,
    "bienban": minutes_command,
}
