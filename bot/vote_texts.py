"""What the bot writes about votes, in the reader's language: ballots, counts, results."""

from __future__ import annotations

from bot.domain.votes import (
    GRADE_LABELS,
    GRADES,
    KIND_LABELS,
    MODE_LABELS,
    QUESTION_OPTIONS,
    Basis,
    Threshold,
    Vote,
    VoteKind,
    VoteMode,
)
from bot.i18n import Translator
from bot.rules.tally import Denominator, Outcome


def percent(tr: Translator, part: int, whole: int) -> str:
    """A share as '63.6' (English) or '63,6' (Vietnamese)."""
    if not whole:
        return "0"
    text = f"{100 * part / whole:.1f}".removesuffix(".0")
    return text.replace(".", ",") if tr.language == "vi" else text


def title(tr: Translator, vote: Vote) -> str:
    """'Vote 2 (secret ballot), election: …'."""
    kind = tr.gettext(KIND_LABELS[vote.kind])
    head = tr.gettext(
        "Vote {number} ({mode}), {kind}",
        number=vote.number,
        mode=tr.gettext(MODE_LABELS[vote.mode]),
        kind=kind,
    )
    return f"{head}: {vote.subject}" if vote.subject else head


def threshold_words(tr: Translator, threshold: Threshold) -> str:
    """'more than 1/2', 'at least 2/3'."""
    share = f"{threshold.numerator}/{threshold.denominator}"
    if threshold.strict:
        return tr.gettext("more than {share}", share=share)
    return tr.gettext("at least {share}", share=share)


def denominator_words(tr: Translator, den: Denominator) -> str:
    """The denominator and how it was computed."""
    if den.basis is Basis.PRESENT:
        return tr.gettext("{value} = the members present who may vote", value=den.value)
    aside = tr.gettext(
        "not counted: {elsewhere} temporarily active elsewhere, {absent} exempted members "
        "absent; probationary members, visiting members and guests do not vote",
        elsewhere=den.elsewhere,
        absent=den.exempted_absent,
    )
    if den.basis is Basis.LEGAL:
        return tr.gettext(
            "{value} (legal denominator) = {official} official members summoned − {excused} "
            "absent with an approved reason + {exempted} exempted members present ({aside})",
            value=den.value,
            official=den.official_summoned,
            excused=den.excused,
            exempted=den.exempted_present,
            aside=aside,
        )
    return tr.gettext(
        "{value} (all official members) = {official} official members summoned + {exempted} "
        "exempted members present; those absent with a reason are counted ({aside})",
        value=den.value,
        official=den.official_summoned,
        exempted=den.exempted_present,
        aside=aside,
    )


def ballot_text(tr: Translator, vote: Vote, item: int) -> str:
    """The question of a private ballot."""
    lines = ["🗳 " + title(tr, vote)]
    if vote.kind is VoteKind.CLASSIFICATION:
        lines.append(tr.gettext("Member: {name}", name=vote.options[item]))
    if vote.kind is VoteKind.ELECTION:
        lines.append(
            tr.gettext(
                "Tick up to {seats} candidates, then press “Cast the ballot”.", seats=vote.seats
            )
        )
    if vote.mode is VoteMode.SECRET:
        lines.append(
            tr.gettext(
                "Secret ballot: nobody, the secretary included, can see what you choose; "
                "once cast it cannot be changed."
            )
        )
    else:
        lines.append(tr.gettext("Open vote: your choice is recorded with your name."))
    return "\n".join(lines)


def announce_text(tr: Translator, vote: Vote, voted: int, eligible: int) -> str:
    """The vote's message in the group, with the live count of who has voted."""
    lines = ["🗳 " + title(tr, vote)]
    if vote.kind is VoteKind.ELECTION:
        lines.append(
            tr.gettext(
                "Seats: {seats}. Candidates: {names}.",
                seats=vote.seats,
                names="; ".join(vote.options),
            )
        )
    if vote.mode is VoteMode.SECRET or vote.kind is VoteKind.CLASSIFICATION:
        lines.append(
            tr.gettext("Each member who may vote got the ballot in the private chat with the bot.")
        )
    else:
        lines.append(
            tr.gettext(
                "Official members and exempted members present vote with the buttons below; "
                "a choice can be changed until the vote closes."
            )
        )
    lines.append(tr.gettext("{voted} of {eligible} have voted.", voted=voted, eligible=eligible))
    return "\n".join(lines)


def _names_by_option(outcome: Outcome, item: int) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    entries = outcome.extra.get("open_ballots")
    for entry in entries if isinstance(entries, list) else []:
        name, at, option = entry
        if at == item:
            found.setdefault(int(option), []).append(str(name))
    return found


def result_text(tr: Translator, vote: Vote, outcome: Outcome) -> str:
    """The result: counts, the denominator and how it was computed, the threshold, the
    verdict, and what the rules ask next when nothing (or not enough) was decided."""
    den = outcome.denominator
    lines = ["📊 " + tr.gettext("Result. ") + title(tr, vote)]
    rule = tr.gettext(
        "Threshold: {words} of {value}, that is at least {needed} votes.",
        words=threshold_words(tr, outcome.threshold),
        value=den.value,
        needed=_needed(outcome),
    )
    if outcome.question is not None:
        q = outcome.question
        names = _names_by_option(outcome, 0)
        for index, count in enumerate((q.approve, q.disapprove, q.abstain)):
            lines.append(f"{tr.gettext(QUESTION_OPTIONS[index])}: {count}")
        lines.append(
            tr.gettext(
                "Approving: {yes} of {present} present who may vote ({share}%); {yes} of "
                "the denominator {value} ({legal}%).",
                yes=q.approve,
                present=den.present_eligible,
                share=percent(tr, q.approve, den.present_eligible),
                value=den.value,
                legal=percent(tr, q.approve, den.value),
            )
        )
        lines.append(tr.gettext("Denominator: {words}.", words=denominator_words(tr, den)))
        lines.append(rule)
        if q.passed:
            lines.append("✅ " + tr.gettext("PASSED (thông qua)."))
        else:
            lines.append("❌ " + tr.gettext("NOT PASSED (không thông qua)."))
            if q.tie:
                lines.append(
                    tr.gettext(
                        "Approvals and disapprovals are tied: nothing is decided; the meeting "
                        "may discuss further and vote again."
                    )
                )
        if names:
            # An open vote: who chose what, after the verdict (a long list must not hide it).
            lines.append(tr.gettext("Who chose what (open vote):"))
            for index in sorted(names):
                lines.append(f"{tr.gettext(QUESTION_OPTIONS[index])}: {', '.join(names[index])}")
        return "\n".join(lines)
    if outcome.election is not None:
        e = outcome.election
        lines.append(tr.gettext("Ballots: {n}. Seats: {seats}.", n=e.ballots, seats=e.seats))
        for c in sorted(e.candidates, key=lambda c: -c.votes):
            mark = " — " + tr.gettext("elected (trúng cử)") if c.elected else ""
            lines.append(f"• {c.name}: {c.votes} ({percent(tr, c.votes, den.value)}%){mark}")
        lines.append(tr.gettext("Denominator: {words}.", words=denominator_words(tr, den)))
        lines.append(rule)
        elected = ", ".join(e.elected) if e.elected else tr.gettext("nobody")
        lines.append("✅ " + tr.gettext("Elected: {names}.", names=elected))
        if e.tied:
            lines.append(
                tr.gettext(
                    "{names} are tied for the last seats: none of them is elected; the rules "
                    "ask for a further round among them.",
                    names=", ".join(e.tied),
                )
            )
        if e.remaining:
            lines.append(
                tr.gettext(
                    "{n} seats are not filled: the rules ask for a further round for the "
                    "remaining seats (or the meeting decides to leave them unfilled).",
                    n=e.remaining,
                )
            )
        return "\n".join(lines)
    graded = outcome.classification
    assert graded is not None
    for subject in graded.subjects:
        grade = (
            tr.gettext(GRADE_LABELS[subject.grade])
            if subject.grade
            else tr.gettext("no level reached: vote again on this member")
        )
        counts = ", ".join(
            f"{tr.gettext(GRADE_LABELS[g])}: {n}"
            for g, n in zip(GRADES, subject.counts, strict=True)
        )
        lines.append(f"• {subject.name}: {grade} ({counts})")
    lines.append(tr.gettext("Denominator: {words}.", words=denominator_words(tr, den)))
    lines.append(rule)
    lines.append(
        tr.gettext(
            "A vote for a higher level also counts for the lower ones; a member gets the "
            "highest level that reaches the threshold."
        )
    )
    chose = [(item, _names_by_option(outcome, item)) for item in range(len(graded.subjects))]
    if any(names for _, names in chose):
        lines.append(tr.gettext("Who chose what (open vote):"))
        for item, names in chose:
            for level, who in sorted(names.items()):
                level_name = tr.gettext(GRADE_LABELS[GRADES[level]])
                lines.append(f"• {graded.subjects[item].name} — {level_name}: {', '.join(who)}")
    if graded.excellent_over_limit:
        lines.append(
            "⚠️ "
            + tr.gettext(
                "“Excellent” ({excellent}) exceeds 20% of “good” ({good}): at most {most} "
                "may be classified excellent; the cell should review it.",
                excellent=graded.excellent,
                good=graded.good,
                most=graded.excellent_most,
            )
        )
    return "\n".join(lines)


def _needed(outcome: Outcome) -> int:
    if outcome.question is not None:
        return outcome.question.needed
    if outcome.election is not None:
        return outcome.election.needed
    assert outcome.classification is not None
    return outcome.classification.needed
