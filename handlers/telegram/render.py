"""Texts and keyboards for cells and members."""

from __future__ import annotations

import shlex

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.access import LEADER_ROLES
from bot.domain.cells import KIND_LABELS, ROLE_LABELS, Kind, Membership, Role
from bot.errors import BadInput, Usage
from bot.i18n import N_, Translator
from bot.services.members import MemberRef, Roster, parse_member_ref
from bot.texts import channel_name
from handlers.telegram import callback_data as cd
from handlers.telegram.commands import Command

BUTTON_LABEL_MAX = 40
# Telegram takes at most 100 buttons in one keyboard; members past this are changed with
# /kind, /role and /remove, which the roster text names.
ROSTER_BUTTONS_MAX = 100


def split_args(text: str) -> list[str]:
    """A command's words, quotes grouping ("Nguyễn Văn A" is one)."""
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def member_args(words: list[str], usage: Usage) -> tuple[MemberRef, list[str]]:
    """A member named by number or @username first, and the remaining words."""
    ref = parse_member_ref(words[0]) if words else None
    if ref is None:
        raise BadInput(
            N_("Name the member by their number in /members (or reply to their message)."),
            usage=usage,
        )
    return ref, words[1:]


def member_line(tr: Translator, member: Membership) -> str:
    """One roster line: number, name, kind, role, private reachability."""
    parts = [tr.gettext(KIND_LABELS[member.kind])]
    if member.role is not Role.MEMBER:
        parts.append(tr.gettext(ROLE_LABELS[member.role]))
    reach = "✉️" if member.user.reachable_somewhere else "🔕"
    username = f" @{member.user.username}" if member.user.username else ""
    return f"{member.number}. {member.user.name}{username} — {', '.join(parts)} {reach}"


def roster_text(tr: Translator, roster: Roster) -> str:
    """The /members message."""
    members = roster.members
    counted = [m for m in members if m.role is not Role.GUEST]
    lines = [
        tr.gettext(
            "Cell «{name}»: {count} members ({official} official, {probationary} probationary)",
            name=roster.cell.name,
            count=len(counted),
            official=sum(m.kind is Kind.OFFICIAL for m in counted),
            probationary=sum(m.kind is Kind.PROBATIONARY for m in counted),
        ),
        "",
    ]
    if len({c for m in members for c in m.user.channels}) > 1:
        # Members on several channels: say where each is (the group reaches only one).
        lines += [
            f"{member_line(tr, m)} · {' + '.join(channel_name(c) for c in m.user.channels)}"
            for m in members
        ]
    else:
        lines += [member_line(tr, m) for m in members]
    unreachable = [m for m in members if not m.user.reachable_somewhere]
    if unreachable:
        lines += [
            "",
            tr.gettext(
                "🔕 cannot be messaged privately yet: "
                "they must open a private chat with the bot and press Start."
            ),
        ]
    if roster.pending:
        lines += ["", tr.gettext("Waiting for approval:")]
        lines += [f"• {m.user.name}" for m in roster.pending]
    if roster.viewer_may_manage:
        lines += ["", tr.gettext("Change a member: /kind N kind, /role N role, /remove N.")]
    return "\n".join(lines)


def roster_keyboard(roster: Roster) -> InlineKeyboardMarkup | None:
    """Buttons opening each member's card (leaders in private chat)."""
    if not roster.viewer_may_manage or not roster.members:
        return None
    buttons = [
        InlineKeyboardButton(
            f"{m.number}. {m.user.name}"[:BUTTON_LABEL_MAX], callback_data=cd.member_card(m.id)
        )
        for m in roster.members[:ROSTER_BUTTONS_MAX]
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def member_card_text(tr: Translator, member: Membership) -> str:
    """A member's card for a leader."""
    return "\n".join(
        [
            member_line(tr, member),
            tr.gettext("Kind: {kind}", kind=tr.gettext(KIND_LABELS[member.kind])),
            tr.gettext("Role: {role}", role=tr.gettext(ROLE_LABELS[member.role])),
        ]
    )


def member_card_keyboard(tr: Translator, member: Membership) -> InlineKeyboardMarkup:
    """Kind, role and remove buttons for one member."""
    kinds = [
        InlineKeyboardButton(
            ("• " if member.kind is kind else "") + tr.gettext(KIND_LABELS[kind]),
            callback_data=cd.set_kind(member.id, kind),
        )
        for kind in Kind
    ]
    rows = [kinds[:2], kinds[2:4], kinds[4:]]
    if member.role is not Role.SECRETARY:
        rows.append(
            [
                InlineKeyboardButton(
                    ("• " if member.role is role else "") + tr.gettext(ROLE_LABELS[role]),
                    callback_data=cd.set_role(member.id, role),
                )
                for role in (Role.DEPUTY, Role.COMMITTEE, Role.MEMBER, Role.GUEST)
            ]
        )
        rows.append(
            [
                InlineKeyboardButton(
                    tr.gettext("Remove from cell"), callback_data=cd.ask_remove(member.id)
                )
            ]
        )
    rows.append([InlineKeyboardButton(tr.gettext("« Members"), callback_data=cd.back_to_list())])
    return InlineKeyboardMarkup(rows)


def confirm_remove_keyboard(tr: Translator, member: Membership) -> InlineKeyboardMarkup:
    """Confirm or cancel removing a member."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    tr.gettext("Yes, remove"), callback_data=cd.confirm_remove(member.id)
                ),
                InlineKeyboardButton(
                    tr.gettext("Cancel"), callback_data=cd.member_card(member.id)
                ),
            ]
        ]
    )


def language_keyboard() -> InlineKeyboardMarkup:
    """The two languages, each named in itself."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("🇻🇳 Tiếng Việt", callback_data=cd.choose_language("vi")),
                InlineKeyboardButton("🇬🇧 English", callback_data=cd.choose_language("en")),
            ]
        ]
    )


def help_text(tr: Translator, commands: list[Command], *, header: str) -> str:
    """The /help message for the commands a caller may use here."""
    lines = [header, ""]
    for command in commands:
        usage = f" {tr.gettext(command.usage)}" if command.usage else ""
        lines.append(f"/{command.name}{usage} — {tr.gettext(command.description)}")
    return "\n".join(lines)


def is_leader(membership: Membership | None) -> bool:
    """Secretary or deputy, active."""
    return membership is not None and membership.active and membership.role in LEADER_ROLES


HELP_GROUP_NOT_CELL = N_("This group is not a cell yet.")
