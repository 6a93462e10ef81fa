"""The one-line forms of /vote, in English or Vietnamese words, with or without diacritics.

    /vote resolution [open|secret] "Subject"        /vote admit [open|secret] "Full Name"
    /vote recognize [open|secret] N | @username     /vote election [secret] SEATS "A; B; C"
    /vote classify [open|secret]

After the mode, a threshold (">1/2", ">=2/3") and a denominator ("legal", "official",
"present"; "theoquydinh", "chinhthuc", "comat") may be given for this vote.

Subjects may be quoted ("…", “…”) or be the rest of the line; candidates are separated by ';'
(or ','). Without a mode: a resolution is open; admission, recognition, election and
classification are secret (personnel matters; elections are always secret).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.votes import Basis, Threshold, VoteKind, VoteMode
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
    VoteMode.SECRET: ("secret", "kin", "phieukin", "bokin", "bophieukin"),
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


def _take(text: str, table: Mapping[object, tuple[str, ...]]) -> tuple[object, str]:
    """The table's key the text starts with (a word written as one, two or three words:
    "nghiquyet", "nghị quyết", "bỏ phiếu kín"), and the rest; (None, text) when none."""
    words = text.split()
    for size in (3, 2, 1):
        if len(words) >= size:
            found = _find("".join(words[:size]), table)
            if found is not None:
                rest = text.strip()
                for _ in range(size):
                    rest = rest.split(maxsplit=1)[1] if len(rest.split(maxsplit=1)) > 1 else ""
                return found, rest.strip()
    return None, text.strip()


@dataclass(frozen=True)
class VoteForm:
    """What a one-line /vote asks for (the subject of a recognition is the member's number or
    @username); threshold and basis None: the kind's defaults."""

    kind: VoteKind
    mode: VoteMode
    subject: str = ""
    seats: int = 1
    candidates: tuple[str, ...] = ()
    threshold: Threshold | None = None
    basis: Basis | None = None


BASIS_WORDS: dict[object, tuple[str, ...]] = {
    Basis.LEGAL: ("legal", "theoquydinh", "quydinh"),
    Basis.OFFICIAL: ("official", "chinhthuc"),
    Basis.PRESENT: ("present", "comat"),
}
_THRESHOLD = re.compile(r"(>=|≥|>)([1-9])/([1-9])")


def _rules(rest: str) -> tuple[Threshold | None, Basis | None, str]:
    """A threshold (">1/2", ">=2/3") and a denominator ("present", "chinhthuc") given for
    this vote, before its subject or seats; each at most once."""
    threshold: Threshold | None = None
    basis: Basis | None = None
    while rest:
        token, _, after = rest.partition(" ")
        found = _THRESHOLD.fullmatch(token)
        if found and threshold is None:
            numerator, denominator = int(found[2]), int(found[3])
            if numerator >= denominator:
                raise BadInput(
                    N_("A threshold is a share below 1, e.g. >1/2 or >=2/3."),
                    example='/vote admit >=2/3 "Phạm Văn D"',
                )
            threshold = Threshold(numerator, denominator, strict=found[1] == ">")
        elif basis is None and isinstance(named := _find(token, BASIS_WORDS), Basis):
            basis = named
        else:
            break
        rest = after.strip()
    return threshold, basis, rest


def parse_vote(text: str) -> VoteForm:
    """What a one-line /vote asks for; BadInput says what is wrong."""
    words = text.split(maxsplit=1)
    if not words:
        raise BadInput(N_("Say what to vote on."), example=VOTE_EXAMPLE)
    kind, rest = _take(text, KIND_WORDS)
    if not isinstance(kind, VoteKind):
        raise BadInput(UNKNOWN_KIND, example=VOTE_EXAMPLE, word=quoted(words[0]))
    mode = DEFAULT_MODE[kind]
    found, after = _take(rest, MODE_WORDS)
    # "Công khai tài chính quý IV" is a subject: a mode word counts when a quoted subject, the
    # seats, a rule or nothing follows, or when typed as the command's own word ("kin").
    typed = rest.split(maxsplit=1)[0] if rest else ""
    if isinstance(found, VoteMode) and (
        not after
        or after[0] in '"“„«>≥'
        or after[0].isdigit()
        or typed in MODE_WORDS[found]
        or _rules(after)[2] != after
    ):
        mode, rest = found, after
    threshold, basis, rest = _rules(rest)
    if kind is VoteKind.ELECTION:
        head = rest.split(maxsplit=1)
        if not head or not head[0].isdigit():
            raise BadInput(
                N_("Give the number of seats, then the candidates separated by ';'."),
                example='/vote election secret 2 "Nguyễn Văn A; Trần Thị B"',
            )
        body = _QUOTES.sub("", head[1] if len(head) > 1 else "")
        candidates = tuple(n.strip() for n in re.split(r"[;,\n]", body) if n.strip())
        return VoteForm(kind, mode, "", int(head[0]), candidates, threshold, basis)
    subject = _QUOTES.sub("", rest).strip()
    return VoteForm(kind, mode, subject, 1, (), threshold, basis)
