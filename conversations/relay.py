"""Writing to one's partner through the bot: /msg, the "Message my mentor" / "Message my learner"
button under /help, and the "Reply" button under a message received.

The bot asks for the message; what comes next (words, a photo, a voice note or a document) goes to
the partner as the bot's copy, labelled with the sender's name (``bot/services/relay.py`` screens,
holds or passes it on). A mentor of several learners chooses whom first. A command instead of the
message is a command: nothing is passed on, and the question stays until /cancel or the message.
Each person sends at most the programme's ``relay.per_hour`` messages within an hour.

Where the programme allows it for the learner's age band (``[relay.contact]``), /direct asks
each of the pair whether they agree to write to the other directly; once both did, each gets a
button that opens the other's Telegram chat (and contact details between them are no longer held).

After choosing "a public place" (for the first meeting or the weekly slot), either of the pair can
name the exact place (/place); once the other agrees, it is in the reminders and the .ics files.

Coordinators read a pair's messages only through a case not yet resolved (``/messages N``), and
each reading is written to the audit log. They decide on held messages with the buttons of the
hold's alert; "Reject" asks them, in their own chat, for the note the sender reads. Every press is
checked again: a reply button only for the message's recipient in a running pair, a decision only
by a coordinator on a message still held.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.callbacks import pack, unpack
from bot.context import Context
from bot.events import Button, ButtonPress, Command, Inbound, Keyboard
from bot.feature import COORDINATORS, IN_A_PAIR, CommandEntry, Feature, HelpLine, staff_press
from bot.i18n import N_
from bot.services import areas, relay
from bot.services.contact_details import contact_details
from bot.services.people import name_of
from conversations import which_learner
from conversations.common import check_text
from conversations.flow import Flow, Option, Step, StepKind
from storage.models import Pair, Person, RelayedMessage
from storage.repositories import LIVE_PAIRS

NAME, REJECT_FLOW, DIRECT_FLOW = "relay", "relay_reject", "relay_direct"
PLACE_FLOW, PLACE_AGREE_FLOW = "relay_place", "relay_place_agree"
LEARNERS = "learners"  # in the answers: a mentor's [learner id, name] pairs to choose from
BUTTON = {"learner": N_("Message my mentor"), "mentor": N_("Message my learner")}  # of several
MESSAGE = N_("Message {name}")  # the one partner
NO_PARTNER = N_("You have no mentor or learner to write to right now.")
LIMIT = N_(
    "You have sent the most messages for one hour ({count}). Please wait a little before you write again."
)
STALE = N_("This button is no longer active.")
NOT_YOURS = N_("This button is not for you.")
MAX_LENGTH = 3500  # the words, under Telegram's 4096 with the sender's name above them
RELAY_ONLY = N_("In this programme you and {name} write to each other through me: use /msg.")
DIRECT_ASKED = N_("I asked {name}. Once they agree too, you each get a button to open the other's chat.")
DIRECT_INVITED = N_("{name} would like to write to you directly on Telegram. If you agree too, send /direct.")
DIRECT_AGREED = N_(
    "You and {name} agreed to write to each other directly. What you write there no longer passes "
    "through me; /concern still reaches a coordinator."
)
OPEN_CHAT = N_("Open {name}'s chat")
NOT_THROUGH_THIS_CASE = N_(
    "Concern #{id} is resolved or about no pair: a pair's messages are read only through an open case."
)
HISTORY = N_(
    "Messages between {learner} and {mentor}, read through concern #{id} (this reading is recorded):"
)
HISTORY_SIZE = 50
FILE_MARKS = {"photo": "📷", "voice": "🎤", "document": "📄"}
STATE_MARKS = {"held": "⏸ ", "rejected": "⛔ ", "quiet": "🌙 "}
NO_PUBLIC_PLACE = N_("You and {name} have not chosen a public place to meet, so there is no place to name.")
PLACE_ASKED = N_("I asked {name} whether you meet there.")
PLACE_AGREED = N_("Agreed: you and {name} meet at {place}. Your reminders and calendar files say so.")
PLACE_NOT_AGREED = N_("{name} would rather meet somewhere else. Suggest another place with /place.")


async def partners(ctx: Context) -> list[tuple[Pair, Person]]:
    """Whom the person can write to: a learner's mentor, a mentor's learners (oldest pair first)."""
    if ctx.person.role == "mentor":
        return await which_learner.mentored(ctx, LIVE_PAIRS)
    if ctx.person.role != "learner":
        return []
    pair = await ctx.uow.pairs.current_for(ctx.person.id)
    if pair is None or pair.learner_id != ctx.person.id:
        return []
    mentor = await ctx.uow.people.get(pair.mentor_id)
    return [(pair, mentor)] if mentor is not None else []


async def button(ctx: Context) -> Keyboard:
    """The button under /help, for someone with a partner to write to."""
    label = BUTTON.get(ctx.person.role or "")
    mine = await partners(ctx) if label is not None else []
    if label is None or not mine:
        return ()
    text = ctx.t(MESSAGE, name=name_of(mine[0][1])) if len(mine) == 1 else ctx.t(label)
    return ((Button(text, data=pack(relay.WriteToPartner("new"))),),)


async def command(ctx: Context, event: Inbound) -> None:
    """/msg: ask for the message (a mentor of several: for whom, first)."""
    await _begin(ctx)


async def partner_pressed(ctx: Context, event: Inbound) -> None:
    """The button under /help, or "Reply" under a message received."""
    assert isinstance(event, ButtonPress)
    press = unpack(event.data, relay.WriteToPartner, relay.ReplyTo)
    if press is None:
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    if isinstance(press, relay.WriteToPartner):
        ctx.answer_button(event.callback_id)
        await _begin(ctx)
        return
    message = await ctx.uow.relayed.get(press.message)
    if message is None or message.recipient_id != ctx.person.id:
        ctx.answer_button(
            event.callback_id, ctx.t(NOT_YOURS if message else STALE), alert=message is not None
        )
        return
    pair = await relay.live_pair(ctx, message.pair_id)
    sender = await ctx.uow.people.get(message.sender_id)
    if pair is None or sender is None:
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        await ctx.say(ctx.t(NO_PARTNER))
        return
    ctx.answer_button(event.callback_id)
    await _ask(ctx, pair, sender)


async def _begin(ctx: Context) -> None:
    found = await partners(ctx)
    if not found:
        await ctx.say(ctx.t(NO_PARTNER))
    elif len(found) > 1:
        if not await _within_limit(ctx):
            return
        learners = [[learner.id, name_of(learner)] for _, learner in found]
        await ctx.start_flow(NAME, {LEARNERS: learners})
    else:
        await _ask(ctx, *found[0])


async def _ask(ctx: Context, pair: Pair, partner: Person) -> None:
    if await _within_limit(ctx):
        await ctx.engine.start(ctx, NAME, {"pair": pair.id, "to_name": name_of(partner)}, at="message")


async def _within_limit(ctx: Context) -> bool:
    if await relay.over_the_limit(ctx):
        await ctx.say(ctx.t(LIMIT, count=ctx.rules.relay.per_hour))
        return False
    return True


async def written(ctx: Context, answers: dict[str, Any]) -> None:
    """The message is there: to whom it goes is read again (the pair may have ended meanwhile)."""
    pair, partner = await _addressee(ctx, answers)
    if pair is None or partner is None:
        await ctx.say(ctx.t(NO_PARTNER))
        return
    if await _within_limit(ctx):
        await relay.send(ctx, pair, partner, answers.get("message"))


async def _addressee(ctx: Context, answers: Mapping[str, Any]) -> tuple[Pair | None, Person | None]:
    if str(answers.get("learner") or "").isdigit():
        found = await which_learner.chosen(ctx, int(answers["learner"]), LIVE_PAIRS)
        return found if found is not None else (None, None)
    pair = await relay.live_pair(ctx, int(answers.get("pair") or 0))
    if pair is None:
        return None, None
    return pair, await ctx.uow.people.get(relay.partner_id(pair, ctx.person.id))


def _learner_options(ctx: Context) -> tuple[Option, ...]:
    return tuple(
        Option(str(learner_id), str(name), translate=False)
        for learner_id, name in ctx.flow_answers.get(LEARNERS) or ()
    )


def _fields(ctx: Context, answers: Mapping[str, Any]) -> dict[str, str]:
    """The partner's name in the question, once a mentor of several has chosen."""
    chosen = str(answers.get("learner") or "")
    named = [str(name) for learner_id, name in answers.get(LEARNERS) or () if str(learner_id) == chosen]
    return {"to_name": named[0]} if named else {}


# --- coordinators: held messages -------------------------------------------------------------


async def hold_pressed(ctx: Context, event: Inbound) -> None:
    """Pass on or reject a held message, in the coordinators' group or a coordinator's chat."""
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, relay.HoldDecision)
    if press is None:
        return
    message = await ctx.uow.relayed.lock(press.message)  # another coordinator may press a copy
    if message is None or not await relay.may_decide(ctx, message) or message.status != "held":
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    if press.decision == "ok":
        ctx.answer_button(event.callback_id)
        await relay.pass_on(ctx, message)
        return
    ctx.answer_button(event.callback_id, ctx.t(N_("Write the note in your chat with me.")))
    sender = await ctx.uow.people.get(message.sender_id)
    note_for = {"message": message.id, "sender_name": name_of(sender)}
    await ctx.about_chat(ctx.person.chat_id).start_flow(REJECT_FLOW, note_for)


async def rejected(ctx: Context, answers: dict[str, Any]) -> None:
    message = await ctx.uow.relayed.lock(int(answers.get("message") or 0))
    if ctx.person.role != "coordinator" or message is None or message.status != "held":
        await ctx.say(ctx.t(N_("This message was decided on already.")))
        return
    await relay.reject(ctx, message, str(answers["note"]))
    await ctx.say(
        ctx.t(
            N_("Done: the message was not passed on, and {name} reads your note."),
            name=answers.get("sender_name"),
        )
    )


# --- direct contact, where the programme allows it ------------------------------------------


async def direct(ctx: Context, event: Inbound) -> None:
    """/direct: agree to write to one's partner directly (a mentor of several: with whom, first)."""
    found = await partners(ctx)
    if not found:
        await ctx.say(ctx.t(NO_PARTNER))
    elif len(found) > 1:
        learners = [[learner.id, name_of(learner)] for _, learner in found]
        await ctx.start_flow(DIRECT_FLOW, {LEARNERS: learners})
    elif await _relay_only(ctx, *found[0]):
        return
    else:
        pair, partner = found[0]
        await ctx.engine.start(ctx, DIRECT_FLOW, {"pair": pair.id, "to_name": name_of(partner)}, at="agree")


async def _relay_only(ctx: Context, pair: Pair, partner: Person) -> bool:
    """The programme keeps this pair to messages through the bot (told so): True."""
    learner = partner if pair.learner_id == partner.id else ctx.person
    if relay.contact_policy(ctx, learner) == "direct":
        return False
    await ctx.say(ctx.t(RELAY_ONLY, name=name_of(partner)))
    return True


async def direct_answered(ctx: Context, answers: dict[str, Any]) -> None:
    """Agreed, or no longer: stored on the pair (its row locked, as the partner may answer at once);
    once both agreed, each gets a button to open the other's chat."""
    found, partner = await _addressee(ctx, answers)
    pair = await ctx.uow.pairs.lock(found.id) if found is not None else None
    if pair is None or partner is None:
        await ctx.say(ctx.t(NO_PARTNER))
        return
    if await _relay_only(ctx, pair, partner):
        return
    agreed = ctx.now if answers.get("agree") == "yes" else None
    if pair.learner_id == ctx.person.id:
        pair.learner_direct_at = agreed
    else:
        pair.mentor_direct_at = agreed
    if agreed is None:
        await ctx.say(ctx.t(RELAY_ONLY, name=name_of(partner)))
    elif relay.both_agreed(pair):
        for one, other in ((ctx.person, partner), (partner, ctx.person)):
            them = ctx.about(one)
            url = f"tg://user?id={other.telegram_user_id}"
            keyboard = ((Button(them.t(OPEN_CHAT, name=name_of(other)), url=url),),)
            await them.say(them.t(DIRECT_AGREED, name=name_of(other)), keyboard)
    else:
        await ctx.say(ctx.t(DIRECT_ASKED, name=name_of(partner)))
        them = ctx.about(partner)
        await them.say(them.t(DIRECT_INVITED, name=name_of(ctx.person)))


# --- the exact public place -----------------------------------------------------------------


async def place(ctx: Context, event: Inbound) -> None:
    """/place: name the exact public place of the pair's meetings (a mentor of several: whose)."""
    found = await partners(ctx)
    if not found:
        await ctx.say(ctx.t(NO_PARTNER))
    elif len(found) > 1:
        learners = [[learner.id, name_of(learner)] for _, learner in found]
        await ctx.start_flow(PLACE_FLOW, {LEARNERS: learners})
    elif not await _meets_in_public(ctx, *found[0]):
        return
    else:
        pair, partner = found[0]
        await ctx.engine.start(ctx, PLACE_FLOW, {"pair": pair.id, "to_name": name_of(partner)}, at="place")


async def _meets_in_public(ctx: Context, pair: Pair, partner: Person) -> bool:
    """The pair chose a public place (first meeting or weekly): True; else they are told."""
    if "public" in (pair.first_meeting_place, pair.slot_place):
        return True
    await ctx.say(ctx.t(NO_PUBLIC_PLACE, name=name_of(partner)))
    return False


def check_place(value: Any) -> str | None:
    """A place's name, never a way to reach someone: it goes to the partner, who may be a minor,
    without a coordinator's review."""
    if contact_details(value if isinstance(value, str) else None):
        return N_("Please name the place only, without a phone number, e-mail address, link or account.")
    return check_text(value)


async def place_named(ctx: Context, answers: dict[str, Any]) -> None:
    """The place waits for the partner's yes (a question of their own, with its own token)."""
    found, partner = await _addressee(ctx, answers)
    pair = await ctx.uow.pairs.lock(found.id) if found is not None else None
    if pair is None or partner is None:
        await ctx.say(ctx.t(NO_PARTNER))
        return
    if not await _meets_in_public(ctx, pair, partner):
        return
    pair.exact_place, pair.exact_place_agreed_at = str(answers["place"]), None
    named = {"pair": pair.id, "place": pair.exact_place, "to_name": name_of(ctx.person)}
    await ctx.about(partner).start_flow(PLACE_AGREE_FLOW, named)
    await ctx.say(ctx.t(PLACE_ASKED, name=name_of(partner)))


async def place_answered(ctx: Context, answers: dict[str, Any]) -> None:
    """The partner's answer counts only for the place still named (not one changed meanwhile)."""
    found, partner = await _addressee(ctx, answers)
    pair = await ctx.uow.pairs.lock(found.id) if found is not None else None
    if pair is None or partner is None or pair.exact_place != answers.get("place"):
        await ctx.say(ctx.t(N_("This question is no longer open.")))
        return
    if answers.get("agree") != "yes":
        pair.exact_place = None
        them = ctx.about(partner)
        await them.say(them.t(PLACE_NOT_AGREED, name=name_of(ctx.person)))
        return
    pair.exact_place_agreed_at = ctx.now
    for one, other in ((ctx.person, partner), (partner, ctx.person)):
        them = ctx.about(one)
        await them.say(them.t(PLACE_AGREED, name=name_of(other), place=pair.exact_place))


# --- coordinators: a pair's messages, through an open case ------------------------------------


async def case_messages(ctx: Context, event: Inbound) -> None:
    """/messages N: the messages of the pair of open case N. Only a coordinator, only through a
    case that is not resolved, and each reading goes to the audit log."""
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can see concerns.")))
        return
    number = event.args.strip().lstrip("#") if isinstance(event, Command) else ""
    readable = number.isascii() and number.isdigit() and len(number) < 10
    concern = await ctx.uow.concerns.get(int(number)) if readable else None
    if not await areas.sees_concern(ctx.uow, ctx.rules, ctx.person, concern):
        concern = None  # another area's case: as if there were none
    if concern is None:
        await ctx.say(ctx.t(N_("There is no concern with that number. /cases lists the open ones.")))
        return
    pair = await ctx.uow.pairs.get(concern.pair_id) if concern.pair_id else None
    if pair is None or concern.status == "resolved":
        await ctx.say(ctx.t(NOT_THROUGH_THIS_CASE, id=concern.id))
        return
    learner = await ctx.uow.people.get(pair.learner_id)
    mentor = await ctx.uow.people.get(pair.mentor_id)
    await ctx.uow.audit.record(ctx.now, ctx.person, "relay.read", learner, concern=concern.id, pair=pair.id)
    head = ctx.t(HISTORY, learner=name_of(learner), mentor=name_of(mentor), id=concern.id)
    names = {p.id: name_of(p) for p in (learner, mentor) if p is not None}
    lines = [await _line(ctx, m, names) for m in await ctx.uow.relayed.of_pair(pair.id, HISTORY_SIZE)]
    text = "\n".join([head, *(lines or ["–"])])
    await ctx.say(text if len(text) <= 4000 else text[:3999] + "…")


async def _line(ctx: Context, message: RelayedMessage, names: dict[int, str]) -> str:
    said = " ".join(part for part in (FILE_MARKS.get(message.kind, ""), message.text or "") if part)
    state = STATE_MARKS.get(message.status, "")
    who = f"{names.get(message.sender_id, '–')} → {names.get(message.recipient_id, '–')}"
    return f"• {ctx.t.datetime(message.created_at, 'short')} " + ctx.t.labelled(who, state + said)


async def morning(ctx: Context, payload: dict[str, Any]) -> None:
    await relay.morning(ctx, payload)


FLOW = Flow(
    name=NAME,
    title=N_("your message to your partner"),
    steps=(
        Step("learner", which_learner.WHICH, StepKind.CHOICE, options=_learner_options),
        Step(
            "message",
            N_(
                "Write your message to {to_name}, or send a photo, a voice note or a document. "
                "I pass it on with your name. (/cancel: nothing is sent.)"
            ),
            StepKind.TEXT,
            max_length=MAX_LENGTH,
            media=True,
            lines=True,
        ),
    ),
    on_complete=written,
    nudge_after=None,  # a message not written needs no reminder
    fields=_fields,
)
REJECT = Flow(
    name=REJECT_FLOW,
    steps=(
        Step(
            "note",
            N_("Why is the message not passed on? {sender_name} reads your note:"),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=rejected,
    nudge_after=None,
)

DIRECT = Flow(
    name=DIRECT_FLOW,
    steps=(
        Step("learner", which_learner.WHICH, StepKind.CHOICE, options=_learner_options),
        Step(
            "agree",
            N_(
                "Write to {to_name} directly on Telegram, not only through me? Once you both agree, "
                "each of you can open the other's chat."
            ),
            StepKind.YES_NO,
        ),
    ),
    on_complete=direct_answered,
    nudge_after=None,
    fields=_fields,
)

PLACE = Flow(
    name=PLACE_FLOW,
    steps=(
        Step("learner", which_learner.WHICH, StepKind.CHOICE, options=_learner_options),
        Step(
            "place",
            N_(
                "Which public place exactly do you suggest to {to_name}? "
                "(For example: the city library, main entrance)"
            ),
            StepKind.TEXT,
            max_length=120,
            validate=check_place,
        ),
    ),
    on_complete=place_named,
    nudge_after=None,
    fields=_fields,
)
PLACE_AGREE = Flow(
    name=PLACE_AGREE_FLOW,
    title=N_("where you meet"),
    steps=(Step("agree", N_("{to_name} suggests meeting at: {place}. Agreed?"), StepKind.YES_NO),),
    on_complete=place_answered,
)

FEATURE = Feature(
    "relay",
    commands=(
        CommandEntry("msg", command, N_("Write to your mentor or learner"), IN_A_PAIR),
        CommandEntry("direct", direct),  # in no menu: the programme may not allow it
        CommandEntry("messages", case_messages),  # in no menu: it needs a case's number
        CommandEntry("place", place),
    ),
    buttons={relay.PARTNER_PREFIX: partner_pressed, relay.HOLD_PREFIX: hold_pressed},
    group_buttons={relay.HOLD_PREFIX: hold_pressed},
    jobs={relay.MORNING_JOB: morning},
    flows=(FLOW, REJECT, DIRECT, PLACE, PLACE_AGREE),
    help=(
        HelpLine(N_("/msg – write to your mentor or learner (or tap the button below)"), IN_A_PAIR),
        HelpLine(N_("/direct – write to each other directly, where the programme allows it"), IN_A_PAIR),
        HelpLine(N_("/place – name the exact public place where you meet"), IN_A_PAIR),
        HelpLine(N_("/messages N – what the pair of open concern N wrote to each other"), COORDINATORS),
    ),
)
