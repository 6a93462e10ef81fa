"""Votes on Zalo, where there are no buttons and no group the bot writes in:

- the same commands as on Telegram (``/vote`` in one line, ``/bieuquyet``, ``/baucu``,
  ``/endvote``, ``/dongbieuquyet``); ``/ballot`` (``/phieu``) brings one's own ballots of the
  votes running in one's cell;
- every ballot, open or secret, is a numbered list in the private chat: the member replies with
  a number (an election's numbers tick candidates, then the "cast" number casts it). A secret
  ballot is never cast anywhere but in the private chat.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.identity import ChatRef, Identity
from bot.domain.messages import CastBallot
from bot.domain.votes import VoteKind, VoteMode
from bot.errors import BadInput
from bot.i18n import N_, Translator
from bot.rules.vote_forms import parse_vote
from bot.services.voting import NO_BALLOTS, Started, VoteRequest, option_labels
from bot.vote_texts import announce_text, result_text

if TYPE_CHECKING:
    from handlers.zalo.bot import ZaloBot


async def _started_text(tr: Translator, started: Started) -> str:
    lines = [announce_text(tr, started.vote, 0, started.tally.eligible)]
    if started.ballots_missed:
        lines.append(
            tr.gettext(
                "No private ballot could reach: {names}. They send /ballot to the bot after "
                "opening a private chat with it.",
                names=", ".join(u.name for u in started.ballots_missed),
            )
        )
    return "\n".join(lines)


async def vote(bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
    """/vote KIND [open|secret] …: a vote in the sender's cell's open meeting."""
    if not args.strip():
        await bot.services.voting.check_may_start(identity, chat)
        raise BadInput(
            N_('On Zalo, give the vote in one line, e.g. /vote resolution open "Subject".'),
            example='/vote resolution open "Thông qua nghị quyết quý IV"',
        )
    form = parse_vote(args)
    recognition = form.kind is VoteKind.RECOGNITION
    request = VoteRequest(
        form.kind,
        form.mode,
        "" if recognition else form.subject,
        form.candidates,
        form.seats,
        member=form.subject if recognition else None,
        basis=form.basis,
        threshold=form.threshold,
    )
    started = await bot.services.voting.start(identity, chat, request)
    return await _started_text(tr, started)


async def election(
    bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator
) -> str:
    """/baucu SEATS "A; B; C"."""
    return await vote(bot, identity, chat, "election secret " + args, tr)


async def end(bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator) -> str:
    """/endvote [N]: the result."""
    args = args.strip()
    if args and not args.isdigit():
        raise BadInput(N_("Give the vote's number: /endvote 2."), example="/endvote 2")
    closed = await bot.services.voting.close(identity, chat, int(args) if args else None)
    return result_text(tr, closed.vote, closed.outcome)


async def ballot(
    bot: ZaloBot, identity: Identity, chat: ChatRef, args: str, tr: Translator
) -> str:
    """/ballot: one's own ballots of the running votes, as numbered lists."""
    ballots = await bot.services.voting.my_ballots(identity)
    if not ballots:
        return tr.gettext(NO_BALLOTS)
    texts = [await bot.offer(identity, content.text, content.choices, tr) for content in ballots]
    return "\n\n".join(texts)


async def choose(
    bot: ZaloBot, identity: Identity, chat: ChatRef, action: CastBallot, tr: Translator
) -> str:
    """A numbered reply to a ballot: recorded, then answered."""
    cast = await bot.services.voting.cast(identity, chat, action.vote_id, action.item, action.code)
    if not cast.final:
        assert cast.ballot is not None
        return await bot.offer(identity, cast.ballot.text, cast.ballot.choices, tr)
    if cast.vote.mode is VoteMode.SECRET:
        return tr.gettext("✅ Cast. Your choice is not stored with your name.")
    labels = option_labels(tr, cast.vote, action.item)
    chosen = ", ".join(labels[i] for i in sorted(cast.choices)) or "—"
    return tr.gettext(
        "Recorded: {choice}. You may change it until the vote closes.", choice=chosen
    )


COMMANDS = {
    "vote": vote,
    "bieuquyet": vote,
    "baucu": election,
    "endvote": end,
    "dongbieuquyet": end,
    "ballot": ballot,
    "phieu": ballot,
}
