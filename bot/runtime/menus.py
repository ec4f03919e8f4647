"""The command menu each person sees: by role, in their language (Telegram's per-chat scopes).

Everyone gets the default menu (per language) at start-up; once someone has a role, their own
chat gets the commands of that role, published again when the role or the language changes.
"""

from __future__ import annotations

from bot.events import BotCommand
from bot.i18n import N_, Translator

DESCRIPTIONS = {
    "start": N_("Begin or start again"),
    "help": N_("What I can do"),
    "back": N_("Go back one question"),
    "cancel": N_("Stop the current conversation"),
    "profile": N_("What you told me, to change an answer"),
    "sessions": N_("Your next and last weekly sessions"),
    "goals": N_("Your goals and next steps"),
    "concern": N_("Tell a coordinator about a worry"),
    "areas": N_("What your weekly check-in asks about"),
    "cases": N_("Open concerns, most urgent first"),
    "journal": N_("Your reflections and goal history"),
    "progress": N_("A chart of how things are going"),
    "training": N_("The mentor training, from where you stopped"),
    "invite": N_("An invite link with a QR code"),
    "invites": N_("Open invites, to withdraw one"),
    "guardians": N_("Guardians' consent to record"),
    "screening": N_("Volunteer applications to decide"),
    "match": N_("Propose mentors for waiting learners"),
    "pairs": N_("The pairs now running"),
    "unreachable": N_("Who has blocked Tandem"),
    "stats": N_("The programme in a few figures"),
    "export": N_("CSV files without names"),
    "language": N_("Change the language"),
    "privacy": N_("What is stored and who sees it"),
    "mydata": N_("A copy of everything stored about you"),
    "pause": N_("No messages for a while"),
    "resume": N_("Messages again after a pause"),
    "delete": N_("Delete everything stored about you"),
}
RIGHTS = ("language", "privacy", "mydata", "pause", "resume", "delete")
MENUS: dict[str | None, tuple[str, ...]] = {
    None: ("start", "help", "back", "cancel", "profile", *RIGHTS),  # the default, before a role
    "learner": (
        "start",
        "help",
        "sessions",
        "goals",
        "progress",
        "journal",
        "profile",
        "back",
        "cancel",
        *RIGHTS,
    ),
    "mentor": (
        "start",
        "help",
        "sessions",
        "goals",
        "progress",
        "training",
        "profile",
        "back",
        "cancel",
        *RIGHTS,
    ),
    "coordinator": (
        "help",
        "cases",
        "screening",
        "match",
        "pairs",
        "progress",
        "guardians",
        "invite",
        "invites",
        "unreachable",
        "stats",
        "export",
        "start",
        "back",
        "cancel",
        "language",
        "privacy",
        "mydata",
        "delete",
    ),
}


def menu(role: str | None, t: Translator) -> list[BotCommand]:
    return [BotCommand(name, t(DESCRIPTIONS[name])) for name in MENUS.get(role, MENUS[None])]
