"""The page's own texts (the bot's come from the bot): message ids of the gettext catalogs."""

from __future__ import annotations

from bot.i18n import N_, translator

PAGE_TEXTS = {
    "title": N_("cellmeet sandbox"),
    "note": N_("Training sandbox: nothing here reaches Telegram. Play any person of the cell."),
    "you_are": N_("You are"),
    "chats": N_("Chats"),
    "private": N_("Private chat with the bot"),
    "bot": N_("the bot"),
    "message": N_("Message"),
    "send": N_("Send"),
    "reply_to": N_("Reply to"),
    "cancel": N_("Cancel"),
    "protected": N_("Protected: cannot be forwarded or saved"),
    "edited": N_("edited"),
    "download": N_("Download"),
    "clock": N_("Sandbox time"),
    "plus_hour": N_("+1 hour"),
    "plus_day": N_("+1 day"),
    "next_reminder": N_("To the next reminder"),
    "meeting_start": N_("To the meeting's start"),
    "no_reminder": N_("No reminder is waiting."),
    "no_meeting": N_("No meeting is coming."),
    "reset": N_("Reset the demo cell"),
    "reset_confirm": N_("Start again with the demo cell? Every chat is emptied."),
    "resetting": N_("Starting again…"),
    "tour": N_("Guided tour"),
    "empty_chat": N_("No messages yet."),
    "back": N_("Back"),
    "violation": N_("The bot made a call Telegram would refuse:"),
    "reply_hint": N_("The bot asks for an answer: write it below."),
}

TOUR_STEPS = {
    "newcell": N_("As the operator, create a setup code: /newcell Chi bộ Khu phố 3"),
    "setup": N_("As the secretary, send /setup CODE in the group"),
    "help": N_("As the secretary, send /help in your private chat"),
    "join": N_("As the new person, send /join in the group"),
    "approve": N_("As the secretary, approve the new person with a button"),
    "schedule": N_("As the secretary, schedule the monthly meeting (/schedule)"),
    "remind": N_("Move the clock to the next reminder"),
    "answer": N_("As a member, answer the reminder in your private chat"),
    "answers": N_("As the secretary, see who answered: /answers N"),
}


def page_texts(language: str) -> dict[str, str]:
    """The page's texts in one language."""
    tr = translator(language)
    return {key: tr.gettext(message) for key, message in PAGE_TEXTS.items()}


def tour_texts(language: str) -> dict[str, str]:
    """The tour's steps in one language."""
    tr = translator(language)
    return {key: tr.gettext(message) for key, message in TOUR_STEPS.items()}
