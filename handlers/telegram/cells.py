"""Handlers of cells and members: parse -> one service call -> render."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.domain.cells import Membership, Role, parse_kind, parse_role
from bot.domain.messages import DecideJoin
from bot.errors import BadInput, NotFound, Usage
from bot.i18n import N_, Translator, translator
from bot.services.members import MemberRef
from handlers.connect import connect_reply, id_text
from handlers.names import name_reply
from handlers.telegram import callback_data as cd
from handlers.telegram import render
from handlers.telegram.commands import COMMANDS, visible
from handlers.telegram.common import (
    after_commit,
    caller,
    chat_of,
    command_args,
    confirm,
    identity_of,
    reply,
    split_text,
    tr_for,
)
from handlers.telegram.context import BotApplication, BotContext
from handlers.telegram.notifier import START_PAYLOAD_HELLO
from handlers.zalo.budget import quota_text

logger = logging.getLogger(__name__)

INVITE_PREFIX = "inv-"


def start_link(context: BotContext, payload: str = START_PAYLOAD_HELLO) -> str:
    """A deep link that opens the private chat with the bot."""
    return f"https://t.me/{context.bot.username}?start={payload}"


# --- personal commands -------------------------------------------------------------------------


async def start(update: Update, context: BotContext) -> None:
    """/start: in private, remember the chat; with an invite payload, ask to join."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    if not chat.is_private:
        tr = await tr_for(update, context)
        await reply(update, tr.gettext("Send /help to see what you can do here."))
        return
    user = await context.services.members.start_private(identity, chat)
    tr = await tr_for(update, context)
    payload = command_args(message)
    if payload and payload != START_PAYLOAD_HELLO:
        code = payload.removeprefix(INVITE_PREFIX) if payload.startswith(INVITE_PREFIX) else ""
        request = await context.services.members.redeem_invite(identity, code)
        await confirm(
            update,
            tr.gettext(
                "Your request to join «{cell}» was sent to the secretary. "
                "I will tell you here when it is decided.",
                cell=request.cell.name,
            ),
        )
        await request.announce()
        return
    await confirm(
        update,
        tr.gettext(
            "Hello {name}! I am cellmeet: I schedule your cell's online meetings, send "
            "reminders and record who will attend and who asks to be excused.",
            # The name recorded with /name when there is one.
            name=user.name,
        )
        + "\n\n"
        + await help_for(update, context, tr),
    )


async def my_id(update: Update, context: BotContext) -> None:
    """/id: the caller's id on this channel, as operators list it in ADMIN_IDS."""
    identity, _ = caller(update)
    tr = await tr_for(update, context)
    await reply(update, id_text(tr, identity))


async def help_for(update: Update, context: BotContext, tr: Translator) -> str:
    """The help text for the caller in this chat."""
    identity, chat = caller(update)
    services = context.services
    operator = services.access.is_operator(identity)
    if chat.is_private:
        cells = await services.members.user_cells(identity)
        member = any(m.role is not Role.GUEST for _, m in cells)
        guest = any(m.role is Role.GUEST for _, m in cells)
        leader = any(render.is_leader(m) for _, m in cells)
        header = tr.gettext("What you can do in this chat:")
        group_is_cell = False
    else:
        cell = await services.cells.cell_of_chat(chat)
        membership = await services.members.membership_in(identity, chat)
        active = membership is not None and membership.active
        member = active and membership is not None and membership.role is not Role.GUEST
        guest = active and not member
        leader = render.is_leader(membership)
        group_is_cell = cell is not None
        header = (
            tr.gettext("Cell «{name}». What you can do here:", name=cell.name)
            if cell
            else tr.gettext("This group is not a cell yet.")
        )
    commands = visible(
        private=chat.is_private,
        member=member,
        leader=leader,
        operator=operator,
        group_is_cell=group_is_cell,
        guest=guest,
    )
    return render.help_text(tr, commands, header=header)


async def help_command(update: Update, context: BotContext) -> None:
    """/help: only what the caller may do in this chat."""
    tr = await tr_for(update, context)
    await reply(update, await help_for(update, context, tr))


async def lang(update: Update, context: BotContext) -> None:
    """/lang [vi|en]: choose the language (a leader in the cell's group: the group's too)."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    args = command_args(message)
    if not args:
        tr = await tr_for(update, context)
        await reply(update, tr.gettext("Choose your language:"), render.language_keyboard())
        return
    language = await context.services.members.set_language(identity, args)
    text = translator(language).gettext("Language: English.")
    if not chat.is_private:
        # A leader sets the group's language too: the bot writes there in the cell's language.
        cell = await context.services.members.set_cell_language(identity, chat, args)
        if cell is not None:
            text += "\n" + translator(language).gettext("The bot writes in this group in English.")
    await confirm(update, text)


async def name(update: Update, context: BotContext) -> None:
    """/name Full Name: record the name as in party records; a leader corrects a member's
    with /name N Full Name."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    tr = await tr_for(update, context)
    answer = await name_reply(context.services, identity, chat, tr, command_args(message))
    await confirm(update, answer)


# --- cells -------------------------------------------------------------------------------------


async def setup(update: Update, context: BotContext) -> None:
    """/setup CODE in a group: bind the cell and make the caller its secretary."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    code = command_args(message)
    if len(code) > 64:
        raise BadInput(N_("This setup code is wrong, used or expired. Ask your operator."))
    cell = await context.services.cells.setup_cell(identity, chat, code or None)
    tr = await tr_for(update, context)
    text = tr.gettext(
        "This group is now the cell «{name}», and you are its secretary. "
        "Members join with /join here; you approve them with a button.",
        name=cell.name,
    )
    await confirm(update, text)
    await ask_to_start_privately(update, context, tr)


async def ask_to_start_privately(update: Update, context: BotContext, tr: Translator) -> None:
    """Tell a user who cannot get private messages how to fix that."""
    identity, _ = caller(update)
    user = await context.services.members.known_user(identity)
    user = user.on(identity.channel) if user is not None else None
    if user is None or not user.reachable:
        await confirm(
            update,
            tr.gettext(
                "To get reminders and approval buttons privately, open {link} and press Start.",
                link=start_link(context),
            ),
        )


async def join(update: Update, context: BotContext) -> None:
    """/join in a group: ask the secretary to approve."""
    identity, chat = caller(update)
    request = await context.services.members.request_join(identity, chat)
    tr = await tr_for(update, context)
    await confirm(
        update,
        tr.gettext(
            "Your request to join «{cell}» was sent to the secretary.", cell=request.cell.name
        ),
    )
    await ask_to_start_privately(update, context, tr)
    await request.announce()


async def invite(update: Update, context: BotContext) -> None:
    """/invite [uses] [days]: an expiring deep link with a use limit."""
    identity, chat = caller(update)
    message = update.effective_message
    assert message is not None
    created = await context.services.members.create_invite(
        identity, chat, command_args(message).split()
    )
    tr = await tr_for(update, context)
    tz = context.services.settings.tz
    await confirm(
        update,
        tr.gettext(
            "Invite link to «{cell}», for {uses} people, valid until {until}:\n{link}\n"
            "Whoever opens it asks to join; you approve each one.",
            cell=created.cell.name,
            uses=created.max_uses,
            until=created.expires_at.astimezone(tz).strftime("%d/%m/%Y %H:%M"),
            link=start_link(context, INVITE_PREFIX + created.code),
        )
        + (
            "\n"
            + tr.gettext(
                "Members on Zalo send this code to the Zalo bot: {code}", code=created.code
            )
            if context.services.settings.runs_zalo
            else ""
        ),
    )


async def members(update: Update, context: BotContext) -> None:
    """/members: the roster."""
    identity, chat = caller(update)
    roster = await context.services.members.roster(identity, chat)
    tr = await tr_for(update, context)
    markup = render.roster_keyboard(roster) if chat.is_private else None
    await reply(update, render.roster_text(tr, roster), markup)


def _member_args(update: Update, usage: Usage) -> tuple[MemberRef, list[str]]:
    """A member named by reply, number or @username, and the remaining words."""
    message = update.effective_message
    assert message is not None
    words = render.split_args(command_args(message))
    target = message.reply_to_message.from_user if message.reply_to_message else None
    if target is not None and not target.is_bot:
        return MemberRef(external_id=str(target.id)), words
    return render.member_args(words, usage)


async def kind(update: Update, context: BotContext) -> None:
    """/kind N official|probationary|exempted|elsewhere|visiting."""
    identity, chat = caller(update)
    ref, rest = _member_args(update, Usage.KIND)
    # Vietnamese kinds are several words ("chính thức", "miễn sinh hoạt"): match them whole.
    new_kind = parse_kind(" ".join(rest)) if rest else None
    if new_kind is None:
        raise BadInput(
            N_("Choose official, probationary, exempted, elsewhere or visiting."),
            usage=Usage.KIND,
        )
    _, member = await context.services.members.set_kind(identity, chat, ref, new_kind)
    tr = await tr_for(update, context)
    await confirm(update, tr.gettext("Updated: {line}", line=render.member_line(tr, member)))


async def role(update: Update, context: BotContext) -> None:
    """/role N deputy|committee|member|guest."""
    identity, chat = caller(update)
    ref, rest = _member_args(update, Usage.ROLE)
    new_role = parse_role(" ".join(rest)) if rest else None
    if new_role is None:
        raise BadInput(N_("Choose deputy, committee, member or guest."), usage=Usage.ROLE)
    _, member = await context.services.members.set_role(identity, chat, ref, new_role)
    tr = await tr_for(update, context)
    await confirm(update, tr.gettext("Updated: {line}", line=render.member_line(tr, member)))


async def remove(update: Update, context: BotContext) -> None:
    """/remove N."""
    identity, chat = caller(update)
    ref, rest = _member_args(update, Usage.REMOVE)
    if rest:
        raise BadInput(N_("Give only the member's number."), usage=Usage.REMOVE)
    _, member = await context.services.members.remove_member(identity, chat, ref)
    tr = await tr_for(update, context)
    await confirm(update, tr.gettext("{name} was removed from the cell.", name=member.user.name))


# --- operators ---------------------------------------------------------------------------------


async def cells_command(update: Update, context: BotContext) -> None:
    """/cells (operators): every cell with its counts."""
    identity, _ = caller(update)
    cells = await context.services.cells.list_cells(identity)
    tr = await tr_for(update, context)
    if not cells:
        await reply(update, tr.gettext("No cells yet. Create a code with /newcell NAME."))
        return
    lines = [tr.gettext("Cells:")]
    for summary in cells:
        cell, active, pending = summary.cell, summary.active, summary.pending
        state = "" if cell.bot_present else " " + tr.gettext("(bot removed from group)")
        lines.append(
            tr.gettext(
                "#{id} {name}: {active} members, {pending} waiting",
                id=cell.id,
                name=cell.name,
                active=active,
                pending=pending,
            )
            + state
        )
    await reply(update, "\n".join(lines))


async def quota(update: Update, context: BotContext) -> None:
    """/quota, /hanmuc (operators): the month's Zalo messages against ZALO_MONTHLY_QUOTA."""
    identity, _ = caller(update)
    context.services.cells.require_operator(identity)
    budget = context.bot_data.zalo_budget
    report = await budget.report() if budget is not None else None
    tr = await tr_for(update, context)
    await reply(update, quota_text(tr, report))


async def newcell(update: Update, context: BotContext) -> None:
    """/newcell NAME (operators, private chat only): a one-time setup code."""
    identity, chat = caller(update)
    if not chat.is_private and context.services.access.is_operator(identity):
        # A code posted in a group could be used by anyone who reads it.
        raise BadInput(N_("Use this command in your private chat with the bot."))
    message = update.effective_message
    assert message is not None
    code = await context.services.cells.operator_cell_code(
        identity, command_args(message).strip('"“”')
    )
    tr = await tr_for(update, context)
    await confirm(
        update,
        tr.gettext(
            "Setup code (one use, 14 days): {code}\n"
            "The secretary adds the bot to the cell's group and sends /setup {code} there.",
            code=code,
        ),
    )


async def connect(update: Update, context: BotContext) -> None:
    """/connect [CODE | telegram | zalo] (private chat only): one person on both channels."""
    identity, chat = caller(update)
    if not chat.is_private:
        # A code posted in a group could be used by anyone who reads it.
        raise BadInput(N_("Use this command in your private chat with the bot."))
    message = update.effective_message
    assert message is not None
    await reply(update, await connect_reply(context.services, identity, command_args(message)))


# --- buttons -----------------------------------------------------------------------------------


async def on_button(update: Update, context: BotContext) -> None:
    """Every inline button of this area; data is parsed strictly and re-checked in services."""
    query = update.callback_query
    assert query is not None
    identity = identity_of(query.from_user)
    tr = await tr_for(update, context)
    data = cd.parse(query.data)
    services = context.services.members
    if data is None:
        raise NotFound(N_("This button is no longer valid."))
    if isinstance(data, DecideJoin):
        chat = chat_of(query.message.chat) if query.message else None
        decision = await services.decide_join(identity, data.membership_id, data.kind, chat)
        member = decision.membership
        if decision.approved:
            outcome = tr.gettext(
                "{name} was approved: {kind}.",
                name=member.user.name,
                kind=tr.gettext(render.KIND_LABELS[member.kind]),
            )
        else:
            outcome = tr.gettext("{name} was declined.", name=member.user.name)
        await after_commit(query.answer())
        await after_commit(query.edit_message_text(outcome))
        await decision.announce()
        return
    if isinstance(data, cd.ChooseLanguage):
        language = await services.set_language(identity, data.language)
        await after_commit(query.answer())
        await after_commit(
            query.edit_message_text(translator(language).gettext("Language: English."))
        )
        return
    if isinstance(data, cd.BackToList):
        if query.message is None:
            raise NotFound(N_("This button is no longer valid."))
        roster = await services.roster(identity, chat_of(query.message.chat))
        await query.answer()
        pieces = split_text(render.roster_text(tr, roster))
        keyboard = render.roster_keyboard(roster)
        # A long roster continues in new messages; the buttons go under its end.
        await query.edit_message_text(
            pieces[0], reply_markup=keyboard if len(pieces) == 1 else None
        )
        for index, piece in enumerate(pieces[1:], start=2):
            await context.bot.send_message(
                query.message.chat.id,
                piece,
                reply_markup=keyboard if index == len(pieces) else None,
            )
        return
    if isinstance(data, cd.MemberCard):
        _, member = await services.member(identity, data.membership_id)
    elif isinstance(data, cd.SetKind):
        cell, _ = await services.member(identity, data.membership_id)
        _, member = await services.set_kind(identity, cell.id, data.membership_id, data.kind)
    elif isinstance(data, cd.SetRole):
        cell, _ = await services.member(identity, data.membership_id)
        _, member = await services.set_role(identity, cell.id, data.membership_id, data.role)
    elif isinstance(data, cd.AskRemove):
        _, member = await services.member(identity, data.membership_id)
        await query.answer()
        await query.edit_message_text(
            tr.gettext("Remove {name} from the cell?", name=member.user.name),
            reply_markup=render.confirm_remove_keyboard(tr, member),
        )
        return
    elif isinstance(data, cd.ConfirmRemove):
        cell, _ = await services.member(identity, data.membership_id)
        _, member = await services.remove_member(identity, cell.id, data.membership_id)
        await after_commit(query.answer())
        await after_commit(
            query.edit_message_text(
                tr.gettext("{name} was removed from the cell.", name=member.user.name),
                reply_markup=None,
            )
        )
        return
    else:
        raise NotFound(N_("This button is no longer valid."))
    if isinstance(data, cd.MemberCard):
        await query.answer()
        await _show_card(update, tr, member)
        return
    await after_commit(query.answer())
    await after_commit(_show_card(update, tr, member))


async def _show_card(update: Update, tr: Translator, member: Membership) -> None:
    query = update.callback_query
    assert query is not None
    text = render.member_card_text(tr, member)
    markup = render.member_card_keyboard(tr, member)
    message = query.message
    if message is not None and getattr(message, "text", None) == text:
        # Telegram refuses an edit that changes nothing; only the markup may differ.
        if getattr(message, "reply_markup", None) != markup:
            await query.edit_message_reply_markup(markup)
        return
    await query.edit_message_text(text, reply_markup=markup)


# --- the group itself --------------------------------------------------------------------------


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    """The bot was added to, removed from or re-added to a chat; a user blocked it."""
    change = update.my_chat_member
    assert change is not None
    chat = chat_of(change.chat)
    new_status = change.new_chat_member.status
    present = new_status in (
        ChatMemberStatus.MEMBER,
        ChatMemberStatus.ADMINISTRATOR,
        ChatMemberStatus.RESTRICTED,
    )
    if change.chat.type == ChatType.PRIVATE:
        await context.services.members.set_reachable("telegram", str(change.chat.id), present)
        return
    was_present = change.old_chat_member.status in (
        ChatMemberStatus.MEMBER,
        ChatMemberStatus.ADMINISTRATOR,
        ChatMemberStatus.RESTRICTED,
    )
    cell = await context.services.cells.set_bot_presence(chat, present)
    if not present or was_present:
        return
    tr = translator(cell.language if cell else context.services.settings.default_language)
    if cell is not None:
        text = tr.gettext("I am back in «{name}»; all its data is kept.", name=cell.name)
    else:
        text = tr.gettext(
            "Hello! The secretary makes this group a cell with /setup CODE "
            "(the code comes from your operator)."
        )
    await after_commit(context.bot.send_message(change.chat.id, text))


async def on_migration(update: Update, context: BotContext) -> None:
    """A group upgraded to a supergroup: the cell follows the new chat id."""
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    cell = await context.services.cells.migrate_chat("telegram", str(old), str(new))
    if cell is not None:
        logger.info("cell %s moved from chat %s to %s", cell.id, old, new)


def register(application: BotApplication) -> None:
    """Add this area's handlers."""
    application.add_handler(
        MessageHandler(filters.StatusUpdate.MIGRATE & filters.UpdateType.MESSAGE, on_migration)
    )
    commands = {
        "start": start,
        "help": help_command,
        "lang": lang,
        "name": name,
        "setup": setup,
        "join": join,
        "invite": invite,
        "members": members,
        "kind": kind,
        "role": role,
        "remove": remove,
        "cells": cells_command,
        "newcell": newcell,
        "connect": connect,
        "ketnoi": connect,  # kết nối: the Vietnamese form
        "id": my_id,
        "quota": quota,
        "hanmuc": quota,  # hạn mức: the Vietnamese form
    }
    for command, callback in commands.items():
        # Only new messages: an edited command must not run again (ptb's default takes edits).
        application.add_handler(
            CommandHandler(command, callback, filters=filters.UpdateType.MESSAGE)
        )
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^(jr|mc|mk|mr|mx|my|ml|lg)"))
    application.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))


async def on_unknown_button(update: Update, context: BotContext) -> None:
    """Any button whose data no area recognises: forged or from an old version."""
    raise NotFound(N_("This button is no longer valid."))


async def on_unknown_command(update: Update, context: BotContext) -> None:
    """A command the bot does not have, in a private chat."""
    tr = await tr_for(update, context)
    await reply(
        update, tr.gettext("I don't know this command. Send /help to see what you can do.")
    )


async def on_edited_command(update: Update, context: BotContext) -> None:
    """An edited message holding one of our commands: not run again; a hint to send it anew
    (in a group only for this bot's commands: another bot's are none of its business)."""
    message = update.edited_message
    if message is None or not message.text:
        return
    word = message.text.split(maxsplit=1)[0][1:]
    name, _, addressee = word.partition("@")
    if addressee and addressee.lower() != (context.bot.username or "").lower():
        return
    if message.chat.type != ChatType.PRIVATE and name.lower() not in {c.name for c in COMMANDS}:
        return
    tr = await tr_for(update, context)
    await message.reply_text(
        tr.gettext(
            "Editing a message does not run a command again: send the command as a new message."
        )
    )
