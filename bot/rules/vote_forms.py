"""The one-line forms of /vote, in English or Vietnamese words, with or without diacritics.

    /vote resolution [open|secret] "Subject"        /vote admit [open|secret] "Full Name"
    /vote recognize [open|secret] N | @username     /vote election [secret] SEATS "A; B; C"
    /vote classify [open|secret]

Subjects may be quoted ("…", “…”) or be the rest of the line; candidates are separated by ';'
(or ','). Without a mode: a resolution is open; admission, recognition, election and
classification are secret (personnel matters; elections are always secret).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.domain.votes import VoteKind, VoteMode
from bot.errors import BadInput
from bot.i18n import N_
from bot.rules.dates import fold, quoted

KIND_WORDS: dict[object, tuple[str, ...]] = {
    VoteKind.RESOLUTION: ("resolution", "nghiquyet", "nq", "bieuquyet"),
    VoteKind.ADMISSION: ("admit", "admission", "ketnap"),
    VoteKind.RECOGNITION: ("recognize", "recognise", "recognition", "congnhan"),
    VoteKind.ELECTION: ("election", "elect", "baucu", "bau"),
    VoteKind.CLASSIFICATION: ("classify", "classification", "xeploai"),
}
MODE_WORDS: dict[object, tuple[str, ...]] = {
    VoteMode.OPEN: ("open", "congkhai", "ck", "giotay"),
    VoteMode.SECRET: ("secret", "kin", "phieukin", "bokin"),
}
DEFAULT_MODE = {
    VoteKind.RESOLUTION: VoteMode.OPEN,
    VoteKind.ADMISSION: VoteMode.SECRET,
    VoteKind.RECOGNITION: VoteMode.SECRET,
    VoteKind.ELECTION: VoteMode.SECRET,
    VoteKind.CLASSIFICATION: VoteMode.SECRET,
}
VOTE_EXAMPLE = '/vote resolution open "Thông qua nghị quyết quý IV"'
UNKNOWN_KIND = N_(
    "“{word}” is not a kind of vote: resolution, admit, recognize, election or classify "
    "(also nghiquyet, ketnap, congnhan, baucu, xeploai)."
)
_QUOTES = re.compile(r"[\"“”„«»]")


def _word(token: str) -> str:
    return fold(token).replace(" ", "")


def _find(word: str, table: Mapping[object, tuple[str, ...]]) -> object:
    folded = _word(word)
    return next((key for key, words in table.items() if folded in words), None)


def parse_vote(text: str) -> tuple[VoteKind, VoteMode, str, int, tuple[str, ...]]:
    """(kind, mode, subject, seats, candidates) of a one-line /vote; BadInput says what is
    wrong. The subject of a recognition is the member's number or @username."""
    words = text.split(maxsplit=1)
    if not words:
        raise BadInput(N_("Say what to vote on."), example=VOTE_EXAMPLE)
    kind = _find(words[0], KIND_WORDS)
    if not isinstance(kind, VoteKind):
        raise BadInput(UNKNOWN_KIND, example=VOTE_EXAMPLE, word=quoted(words[0]))
    rest = words[1].strip() if len(words) > 1 else ""
    mode = DEFAULT_MODE[kind]
    head = rest.split(maxsplit=1)
    if head and isinstance(found := _find(head[0], MODE_WORDS), VoteMode):
        mode = found
        rest = head[1].strip() if len(head) > 1 else ""
    seats = 1
    candidates: tuple[str, ...] = ()
    if kind is VoteKind.ELECTION:
        head = rest.split(maxsplit=1)
        if not head or not head[0].isdigit():
            raise BadInput(
                N_("Give the number of seats, then the candidates separated by ';'."),
                example='/vote election secret 2 "Nguyễn Văn A; Trần Thị B"',
            )
        seats = int(head[0])
        body = _QUOTES.sub("", head[1] if len(head) > 1 else "")
        candidates = tuple(n.strip() for n in re.split(r"[;,\n]", body) if n.strip())
        return kind, mode, "", seats, candidates
    subject = _QUOTES.sub("", rest).strip()
    return kind, mode, subject, seats, candidates
