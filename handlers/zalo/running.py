"""A running meeting on Zalo: /open, /mark, /attendance, /quorum, /grace typed in a private
chat, and the check-in typed as "có mặt" (or the number of the check-in choice)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.identity import ChatRef, Identity
from bot.domain.messages import AssignRunner, CheckIn, Choice, Content, Group, Letter
from bot.i18n import Translator, translator
from bot.services.running import CHECKIN_BUTTON
from handlers.telegram import running_render as rr
from handlers.telegram.meeting_render import meeting_number

CHANNEL = "zalo"

if TYPE_CHECKING:
    from handlers.zalo.bot import ZaloBot


async def open_reply(
    bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator
) -> str:
    """/open [N] [chair @member] [thư ký @member]: the summoned who cannot read a group are
    sent the check-in privately (on Zalo: a numbered choice, or "có mặt")."""
    number, chair, recorder, pick = rr.open_args(args)
    if pick is not None:
        # "/open N chủ trì": the leader chooses by number among the cell's members.
        found, users = await bot.services.running.candidates(identity, chat, number)
        recorder_pick = pick == "recorder"
        choices = rr.pick_choices(found, users, recorder_pick)
        return await bot.offer(identity, rr.pick_text(tr, found, recorder_pick), choices, tr)
    opening = await bot.services.running.open_meeting(
        identity, chat, number, chair=chair, recorder=recorder
    )
    board = opening.board
    cell = board.cell
    if not opening.already_open and cell.has_group and cell.channel != CHANNEL:
        # Opened from Zalo, the cell's group is on Telegram: the check-in message is posted
        # there through the delivery service (its head count is not edited live).
        group_tr = translator(cell.language)
        choice = Choice(group_tr.gettext(CHECKIN_BUTTON), CheckIn(board.meeting.id))
        content = Content(rr.board_text(group_tr, board), ((choice,),))
        await bot.services.delivery.send(
            Letter(f"open:{board.meeting.id}", "group", Group(cell), content),
            until=board.meeting.ends_at,
        )
    await opening.announce()
    return rr.opened_text(tr, board, opening.already_open)


async def mark_reply(
    bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator
) -> str:
    """/mark MEMBER present|late|absent [reason]."""
    ref, status, reason = rr.mark_args(args)
    marked = await bot.services.running.mark(identity, chat, ref, status, reason or None)
    return rr.marked_text(tr, marked)


async def attendance_reply(
    bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator
) -> str:
    """/attendance N: the roll by name."""
    number = meeting_number(args, rr.ATTENDANCE_EXAMPLE)
    return rr.attendance_text(tr, await bot.services.running.attendance(identity, chat, number))


async def quorum_reply(
    bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator
) -> str:
    """/quorum [PERCENT]."""
    value = rr.percent_arg(args)
    running = bot.services.running
    if value is None:
        return rr.rules_text(tr, await running.rules(identity, chat))
    return rr.rules_text(tr, await running.set_rules(identity, chat, quorum_percent=value))


async def grace_reply(
    bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator
) -> str:
    """/grace [MINUTES]."""
    value = rr.minutes_arg(args)
    running = bot.services.running
    if value is None:
        return rr.rules_text(tr, await running.rules(identity, chat))
    return rr.rules_text(tr, await running.set_rules(identity, chat, grace_minutes=value))


async def assigned_reply(
    bot: ZaloBot, identity: Identity, tr: Translator, action: AssignRunner
) -> str:
    """A numbered choice naming the chair or the minute-taker."""
    board = await bot.services.running.assign(
        identity, None, action.meeting_id, action.recorder, action.user_id
    )
    return rr.assigned_text(tr, board, action.recorder)


async def checked_reply(
    bot: ZaloBot, identity: Identity, tr: Translator, meeting_id: int | None
) -> str:
    """A check-in typed ("có mặt") or chosen by number; told after it is committed."""
    running = bot.services.running
    if meeting_id is None:
        checked = await running.check_in_now(identity)
    else:
        checked = await running.check_in(identity, None, meeting_id)
    return rr.checked_text(tr, checked)


COMMANDS = {
    "open": open_reply,
    "mark": mark_reply,
    "attendance": attendance_reply,
    "quorum": quorum_reply,
    "grace": grace_reply,
}
