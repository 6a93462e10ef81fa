"""The command table: what each command is, where it works and who may use it.

One table drives /help (filtered by the caller's role in that chat) and the command menus
registered with setMyCommands.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from bot.i18n import N_


class Need(IntEnum):
    """Who may use a command, from least to most."""

    ANYONE = 0
    MEMBER = 1
    LEADER = 2
    OPERATOR = 3
    PARTICIPANT = 4  # members and guests


@dataclass(frozen=True)
class Command:
    """A command with its description and audience."""

    name: str
    description: str
    private: bool
    group: bool
    need: Need
    usage: str = ""


COMMANDS = (
    Command("start", N_("start talking with the bot"), True, False, Need.ANYONE),
    Command("help", N_("what you can do here"), True, True, Need.ANYONE),
    Command("join", N_("ask to join this group's cell"), False, True, Need.ANYONE),
    Command("lang", N_("language: vi or en"), True, True, Need.ANYONE, "vi|en"),
    Command(
        "name",
        N_("your full name as in party records (leaders: a member's, with their number)"),
        True,
        True,
        Need.PARTICIPANT,
        N_("[N] full name"),
    ),
    Command(
        "connect",
        N_("one member on Telegram and Zalo: a code for your other account"),
        True,
        False,
        Need.ANYONE,
        N_("[CODE]"),
    ),
    Command(
        "id", N_("your id on this channel (for operators' ADMIN_IDS)"), True, False, Need.ANYONE
    ),
    Command("members", N_("the cell's members"), True, True, Need.MEMBER),
    Command(
        "setup",
        N_("make this group a cell (with the operator's code)"),
        False,
        True,
        Need.ANYONE,
        N_("CODE"),
    ),
    Command("invite", N_("an invite link: uses, days"), True, True, Need.LEADER, "[10] [7]"),
    Command(
        "kind",
        N_("change a member's kind"),
        True,
        True,
        Need.LEADER,
        N_("N official|probationary|exempted|elsewhere|visiting"),
    ),
    Command(
        "role",
        N_("make a member deputy, committee member, member or guest"),
        True,
        True,
        Need.LEADER,
        N_("N deputy|committee|member|guest"),
    ),
    Command("remove", N_("take a member off the roster"), True, True, Need.LEADER, N_("N")),
    Command(
        "meetings", N_("upcoming and recent meetings"), True, True, Need.PARTICIPANT, N_("[all]")
    ),
    Command(
        "meeting",
        N_("one meeting: agenda, link, documents"),
        True,
        True,
        Need.PARTICIPANT,
        N_("N"),
    ),
    Command("calendar", N_("the meetings as a calendar file"), True, True, Need.PARTICIPANT),
    Command(
        "schedule",
        N_("schedule a meeting (guided, or in one line)"),
        True,
        True,
        Need.LEADER,
        N_("[dd/mm/yyyy HH:MM title]"),
    ),
    Command(
        "recurring",
        N_("rule of the regular meeting"),
        True,
        True,
        Need.LEADER,
        N_("ngày 5 hằng tháng 19:30"),
    ),
    Command("move", N_("move a meeting"), True, True, Need.LEADER, N_("N dd/mm/yyyy HH:MM")),
    Command("cancel", N_("cancel a meeting"), True, True, Need.LEADER, N_("N [reason]")),
    Command(
        "restore",
        N_("restore a cancelled meeting that has not begun"),
        True,
        True,
        Need.LEADER,
        N_("N"),
    ),
    Command(
        "agenda",
        N_("edit a meeting's agenda"),
        True,
        True,
        Need.LEADER,
        N_("N add|remove|move|edit …"),
    ),
    Command(
        "meetingkind",
        N_("change a meeting's kind (its agenda follows until edited)"),
        True,
        True,
        Need.LEADER,
        N_("N regular|thematic|extraordinary|committee"),
    ),
    Command(
        "link", N_("show or change the video link"), True, True, Need.LEADER, N_("N [URL|new]")
    ),
    Command(
        "attach",
        N_("attach the replied-to document to a meeting"),
        True,
        True,
        Need.LEADER,
        N_("N [mat]"),
    ),
    Command(
        "answers", N_("who will attend, who asked to be excused"), True, True, Need.LEADER, "N"
    ),
    Command(
        "reminders", N_("reminder times before meetings"), True, True, Need.LEADER, N_("24h 1h 0")
    ),
    Command(
        "report",
        N_("the cell's report: meetings, attendance, breaches (with a chart and a workbook)"),
        True,
        True,
        Need.LEADER,
        N_("[2026|Q3 2026|10/2026]"),
    ),
    Command("me", N_("your own attendance and answers this year"), True, True, Need.MEMBER),
    Command(
        "pdf", N_("a meeting's approved minutes, to print"), True, True, Need.PARTICIPANT, N_("N")
    ),
    Command(
        "open",
        N_("open the meeting: check-in, chair and minute-taker"),
        True,
        True,
        Need.LEADER,
        N_("[N] [chair @member] [thư ký @member]"),
    ),
    Command(
        "mark",
        N_("record a member present, late or absent (the chair or a leader)"),
        True,
        True,
        Need.MEMBER,
        N_("MEMBER present|late|absent [reason]"),
    ),
    Command("attendance", N_("a meeting's attendance by name"), True, True, Need.MEMBER, N_("N")),
    Command(
        "quorum", N_("the cell's quorum, percent of the summoned"), True, True, Need.MEMBER, "[67]"
    ),
    Command(
        "grace",
        N_("minutes after the start before a check-in is late"),
        True,
        True,
        Need.MEMBER,
        "[15]",
    ),
    Command(
        "next",
        N_("during a meeting: the next agenda item (chair, secretary, deputy)"),
        True,
        True,
        Need.LEADER,
        N_("[N]"),
    ),
    Command(
        "speaker",
        N_("during a meeting: the speakers' queue and the next speaker (chair)"),
        True,
        True,
        Need.LEADER,
    ),
    Command(
        "note",
        N_("during a meeting: the minute-taker's note on the current item (also /ghichu)"),
        True,
        True,
        Need.MEMBER,
        N_("TEXT"),
    ),
    Command(
        "ketluan",
        N_("during a meeting: the chair's conclusion of the current item (also /conclude)"),
        True,
        True,
        Need.MEMBER,
        N_("TEXT"),
    ),
    Command(
        "close",
        N_("close the meeting: final attendance, draft minutes (chair, secretary, deputy)"),
        True,
        True,
        Need.LEADER,
        N_("[N]"),
    ),
    Command(
        "minutes",
        N_("a meeting's approved minutes; leaders: edit, add, approve"),
        True,
        True,
        Need.PARTICIPANT,
        N_("N [vK|edit ITEM TEXT|add TEXT|approve]"),
    ),
    Command(
        "vote",
        N_("start a vote in the open meeting (guided, or in one line; also /bieuquyet)"),
        True,
        True,
        Need.LEADER,
        N_('[resolution|admit|recognize|election|classify] [open|secret] "…"'),
    ),
    Command(
        "baucu",
        N_("an election by secret ballot"),
        True,
        True,
        Need.LEADER,
        N_('SEATS "A; B; C"'),
    ),
    Command(
        "ballot",
        N_("your ballots of the votes running now, in the private chat (also /phieu)"),
        True,
        True,
        Need.MEMBER,
    ),
    Command(
        "endvote",
        N_("close a vote: final; the result follows (also /dongbieuquyet)"),
        True,
        True,
        Need.LEADER,
        "[N]",
    ),
    Command("cells", N_("all cells (operators)"), True, False, Need.OPERATOR),
    Command(
        "overview",
        N_("every cell's meetings and attendance, breaches first (operators)"),
        True,
        False,
        Need.OPERATOR,
        N_("[2026|Q3 2026]"),
    ),
    Command(
        "quota",
        N_("Zalo messages this month against the quota (operators; also /hanmuc)"),
        True,
        False,
        Need.OPERATOR,
    ),
    Command(
        "newcell",
        N_("a setup code for a new cell (operators)"),
        True,
        False,
        Need.OPERATOR,
        N_("NAME"),
    ),
)


def visible(
    *,
    private: bool,
    member: bool,
    leader: bool,
    operator: bool,
    group_is_cell: bool = False,
    guest: bool = False,
) -> list[Command]:
    """Commands a caller sees in that kind of chat, given their standing there."""
    allowed = {
        Need.ANYONE: True,
        Need.MEMBER: member or leader,
        Need.LEADER: leader,
        Need.OPERATOR: operator,
        Need.PARTICIPANT: member or leader or guest,
    }
    shown = []
    for command in COMMANDS:
        if not (command.private if private else command.group) or not allowed[command.need]:
            continue
        if command.name == "setup" and group_is_cell:
            continue
        if command.name == "join" and (member or leader):
            continue
        shown.append(command)
    return shown
