"""/minutes arguments and the texts of running the agenda and the minutes, shared by the
Telegram and Zalo edges."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.cells import normalize_word
from bot.domain.proceedings import ContributionKind
from bot.errors import BadInput
from bot.i18n import N_, Translator
from bot.minutes_text import minutes_text
from bot.services.minutes import Draft, Queue, Recorded
from handlers.telegram.meeting_render import meeting_number

MINUTES_EXAMPLE = "/minutes 12 edit 2 Chi bộ thống nhất giao chi ủy chuẩn bị"
VERBS = {
    "edit": "edit",
    "sua": "edit",
    "add": "add",
    "them": "add",
    "approve": "approve",
    "duyet": "approve",
    "thongqua": "approve",
}
VERSION = re.compile(r"(?:v|version|ban|phienban)?([1-9][0-9]{0,3})")
TARGET = re.compile(r"[1-9][0-9]{0,1}(?:\.[1-9][0-9]{0,2})?")


@dataclass(frozen=True)
class MinutesArgs:
    """What `/minutes N …` asks: show (a version), edit a target, add a line, approve."""

    number: int
    verb: str = "show"
    version: int | None = None
    target: str = ""
    text: str = ""


def parse_minutes_args(args: str) -> MinutesArgs:
    """/minutes N | N vK | N edit ITEM[.K] TEXT | N add TEXT | N approve."""
    words = args.split(maxsplit=2)
    if not words:
        raise BadInput(N_("Give the meeting's number from /meetings."), example="/minutes 12")
    number = meeting_number(words[0], "/minutes 12")
    if len(words) == 1:
        return MinutesArgs(number)
    verb = VERBS.get(normalize_word(words[1]))
    if verb is None:
        version = VERSION.fullmatch(normalize_word(words[1]))
        if version and len(words) == 2:
            return MinutesArgs(number, "show", int(version[1]))
        raise BadInput(
            N_("After the number: vK (a version), edit, add or approve."),
            example=MINUTES_EXAMPLE,
        )
    rest = words[2] if len(words) > 2 else ""
    if verb == "approve":
        return MinutesArgs(number, verb)
    if verb == "add":
        if not rest:
            raise BadInput(N_("Write the line to add."), example="/minutes 12 add …")
        return MinutesArgs(number, verb, text=rest)
    target, _, text = rest.partition(" ")
    if not TARGET.fullmatch(target) or not text.strip():
        raise BadInput(
            N_(
                "Say what to correct: an item's number for its conclusion (2), or an item and "
                "a speech (2.1), then the new text."
            ),
            example=MINUTES_EXAMPLE,
        )
    return MinutesArgs(number, verb, target=target, text=text.strip())


def queue_text(tr: Translator, queue: Queue) -> str:
    """The speakers' queue as the chair sees it."""
    lines = [tr.gettext("✋ Speakers' queue of meeting #{id}:", id=queue.meeting.number)]
    if queue.speaking:
        lines.append(tr.gettext("Speaking now: {name}", name=queue.speaking))
    lines += [f"{n}. {name}" for n, name in enumerate(queue.waiting, start=1)]
    if not queue.speaking and not queue.waiting:
        lines.append(tr.gettext("Nobody has asked to speak."))
    return "\n".join(lines)


def hand_text(tr: Translator, queue: Queue) -> str:
    """What the member who raised a hand is told."""
    if not queue.added:
        return tr.gettext("You are in the speakers' queue already.")
    return tr.gettext("You are in the speakers' queue: number {place}.", place=len(queue.waiting))


RECORDED = {
    ContributionKind.SPEECH: N_("Recorded on item {position} ({title})."),
    ContributionKind.NOTE: N_("Note recorded on item {position} ({title})."),
    ContributionKind.CONCLUSION: N_("Conclusion recorded on item {position} ({title})."),
}


def recorded_text(tr: Translator, recorded: Recorded) -> str:
    """The confirmation of a contribution, note or conclusion."""
    return tr.gettext(RECORDED[recorded.kind], position=recorded.position, title=recorded.title)


def draft_text(tr: Translator, draft: Draft) -> str:
    """A corrected draft, numbered for further corrections."""
    if draft.new_version:
        head = tr.gettext(
            "A new version {version} of the minutes of meeting #{id} is drafted; the approved "
            "one stands until it is approved.",
            version=draft.minutes.version,
            id=draft.meeting.number,
        )
    else:
        head = tr.gettext("Corrected. The draft now reads:")
    return f"{head}\n\n{minutes_text(tr, draft.minutes, numbered=True)}"
