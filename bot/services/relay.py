"""Messages between the people of a pair, through the bot: what happens to one once it is written.

A message (words, or a photo, voice note or document by its Telegram file id) is stored, then
screened: a phrase of the concern lists raises a concern (``phrase_screening``), and an urgent one
holds the message; contact details (a phone number, an e-mail address, a social-media handle, a
link) in a pair with a minor hold it too. A held message waits for a coordinator, who passes it on
or rejects it with a note to the sender; the buttons are on the hold's alert, in the coordinators'
group while only coordinators read it, else in each coordinator's chat. A message that is not held
goes to the partner as a copy from the bot, never forwarded, labelled with the sender's name and
with a button to reply: the partner never learns the sender's Telegram account. During the
recipient's quiet hours (their own time zone) it waits for their morning, a due job.

A message the sender's own update passes on is their reply (``Context.relayed``): it goes at once,
paced per chat, never behind bulk sending. What a coordinator passes on, or the morning brings, is
bulk like any other notification.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal

from bot.callbacks import Callback, pack
from bot.context import Context
from bot.events import Button, Keyboard
from bot.i18n import N_, Translator
from bot.services import areas, phrase_screening
from bot.services.concerns import KINDS
from bot.services.contact_details import contact_details
from bot.services.people import name_of
from storage.models import Pair, Person, RelayedMessage
from storage.repositories import LIVE_PAIRS

log = logging.getLogger(__name__)

PARTNER_PREFIX, HOLD_PREFIX = "rl1", "rh1"
MORNING_JOB = "relay.morning"
FILES = ("photo", "voice", "document")
ADULT_AGES = ("18-21", "22-25", "over25")  # the learner's age bands of 18 and over
CONTACT = "contact"
CAPTION_LIMIT = 1024
WINDOW = timedelta(hours=1)

FROM = N_("✉️ From {name}:")
REPLY = N_("Reply")
SENT = N_("Sent to {name}.")
WAITS_FOR_MORNING = N_("It is quiet time for {name} now: your message reaches them on {time}.")
HELD = N_(
    "Your message waits for a coordinator before it goes to {name}: messages in the programme "
    "keep phone numbers, addresses and links out, and some words are read by a coordinator first."
)
HELD_HEAD = N_("✉️ A message from {sender} to {recipient} waits for a coordinator. Why: {why}")
CONTACT_WHY = N_("contact details, and the learner is a minor")
PASS_ON, REJECT = N_("Pass it on"), N_("Reject")
PASSED_ON = N_("Passed on by {name}.")
NOT_PASSED_ON = N_("Not passed on ({name}).")
TOLD_PASSED_ON = N_("A coordinator passed your message on to {name}.")
TOLD_REJECTED = N_("Your message to {name} was not passed on. A coordinator says: {note}")
GONE = N_("✉️ A held message is gone: one of the pair deleted their data.")
HELD_POINTER = N_(
    "✉️ A held message waits for a coordinator. Someone in this group may not be a coordinator, "
    "so I sent it to each coordinator privately."
)


@dataclass(frozen=True)
class WriteToPartner(Callback, prefix=PARTNER_PREFIX):
    """The button under /help: "Message my mentor" / "Message my learner"."""

    start: Literal["new"]


@dataclass(frozen=True)
class ReplyTo(Callback, prefix=PARTNER_PREFIX):
    """The "Reply" button under a relayed message: only its recipient may press it."""

    message: int


@dataclass(frozen=True)
class HoldDecision(Callback, prefix=HOLD_PREFIX):
    """A coordinator's decision on a held message."""

    message: int
    decision: Literal["ok", "no"]


def hold_key(message_id: int) -> str:
    """Under which key every copy of a hold's alert is tracked."""
    return f"relay:{message_id}"


def partner_id(pair: Pair, person_id: int) -> int:
    return pair.mentor_id if pair.learner_id == person_id else pair.learner_id


def is_adult(learner: Person | None) -> bool:
    """A learner who said they are 18 or over; one who never said counts as a minor."""
    return learner is not None and str((learner.profile or {}).get("age") or "") in ADULT_AGES


def contact_policy(ctx: Context, learner: Person | None) -> str:
    """What the programme allows the pair of this learner, by age band: "relay" or "direct"."""
    rules = ctx.rules.relay.contact
    return rules.adults if is_adult(learner) else rules.under_18


def both_agreed(pair: Pair) -> bool:
    """Both of the pair agreed to write to each other directly (/direct)."""
    return pair.learner_direct_at is not None and pair.mentor_direct_at is not None


async def live_pair(ctx: Context, pair_id: int) -> Pair | None:
    """The pair, if the person is in it and it is still introduced or active."""
    pair = await ctx.uow.pairs.get(pair_id)
    if (
        pair is None
        or pair.status not in LIVE_PAIRS
        or ctx.person.id not in (pair.learner_id, pair.mentor_id)
    ):
        return None
    return pair


async def over_the_limit(ctx: Context) -> bool:
    """The person sent as many messages within the last hour as the programme allows."""
    sent = await ctx.uow.relayed.sent_by_since(ctx.person.id, ctx.now - WINDOW)
    return sent >= ctx.rules.relay.per_hour


# --- a message written ---------------------------------------------------------------------


async def send(ctx: Context, pair: Pair, recipient: Person, content: Any) -> None:
    """Store what the person wrote to their partner, screen it, and pass it on, hold it, or keep
    it for the recipient's morning; the sender is told which."""
    message = await ctx.uow.relayed.add(_message(ctx, pair, recipient, content))
    held_for = await _screen(ctx, pair, message)
    name = name_of(recipient)
    if held_for is not None:
        message.status, message.held_for = "held", held_for
        await _post_hold(ctx, message)
        await ctx.say(ctx.t(HELD, name=name))
        return
    morning = quiet_until(ctx, recipient)
    if morning is not None:
        await _wait_for_morning(ctx, message, recipient, morning)
        await ctx.say(ctx.t(WAITS_FOR_MORNING, name=name, time=ctx.t.moment(morning)))
        return
    await deliver(ctx, message, own=True)
    await ctx.say(ctx.t(SENT, name=name))


def _message(ctx: Context, pair: Pair, recipient: Person, content: Any) -> RelayedMessage:
    kind, text, file_id = "text", content, None
    if isinstance(content, dict):
        kind = str(content.get("media")) if content.get("media") in FILES else "document"
        text, file_id = content.get("caption"), str(content.get("file_id") or "")
    return RelayedMessage(
        pair_id=pair.id,
        sender_id=ctx.person.id,
        recipient_id=recipient.id,
        kind=kind,
        text=str(text) if text else None,
        file_id=file_id,
        status="new",
        created_at=ctx.now,
    )


async def _screen(ctx: Context, pair: Pair, message: RelayedMessage) -> str | None:
    """Why the message is held (None: it is not). A listed phrase raises a concern whatever its
    severity; contact details count only where the learner is a minor and the pair has not
    agreed to direct contact (where the programme allows it for minors at all)."""
    phrase = await phrase_screening.screen(ctx, message.text, pair=pair, source="relay")
    if phrase is not None and phrase.severity == "urgent":
        return f"phrase:{phrase.category}"
    learner = await ctx.uow.people.get(pair.learner_id)
    direct = both_agreed(pair) and contact_policy(ctx, learner) == "direct"
    found = None if is_adult(learner) or direct else contact_details(message.text)
    if found is not None:
        log.info("relay: message %s held for contact details (%s)", message.id, found)
        return CONTACT
    return None


def quiet_until(ctx: Context, recipient: Person) -> datetime | None:
    """The end of the recipient's quiet hours, in their own time zone, if they are in them now."""
    zone = ctx.translator_for(recipient).zone
    local = ctx.now.astimezone(zone)
    start, end = _clock(ctx.rules.relay.quiet_from), _clock(ctx.rules.relay.quiet_until)
    now = local.time()
    quiet = (now >= start or now < end) if start > end else start <= now < end
    if not quiet:
        return None
    day = local.date() if now < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


async def _wait_for_morning(ctx: Context, message: RelayedMessage, recipient: Person, at: datetime) -> None:
    message.status = "quiet"
    await ctx.schedule(
        MORNING_JOB,
        at,
        {"person_id": recipient.id, "message": message.id},
        dedupe_key=f"relay-morning:{message.id}",
        window=(at, at + timedelta(hours=1)),
    )


async def deliver(ctx: Context, message: RelayedMessage, *, own: bool) -> None:
    """The copy in the recipient's chat: the sender's name, the words or the file, a reply button.
    ``own``: the sender's own update passes it on, so it goes as their reply."""
    recipient = await ctx.uow.people.get(message.recipient_id)
    sender = await ctx.uow.people.get(message.sender_id)
    if recipient is None or sender is None:
        return
    them = ctx.about(recipient)
    label = them.t(FROM, name=name_of(sender))
    keyboard: Keyboard = ((Button(them.t(REPLY), data=pack(ReplyTo(message.id))),),)
    if message.kind == "text":
        await them.say(f"{label}\n\n{message.text or ''}", keyboard)
    elif message.kind == "voice":
        await them.send_voice(str(message.file_id), _caption(label, message.text), keyboard)
    else:
        await them.send_file(message.kind, str(message.file_id), _caption(label, message.text), keyboard)
    message.status, message.sent_at = "sent", ctx.now
    if own:
        ctx.relayed.add(recipient.chat_id)


def _caption(label: str, text: str | None) -> str:
    if not text:
        return label
    room = CAPTION_LIMIT - len(label) - 2
    return f"{label}\n\n{text if len(text) <= room else text[: room - 1] + '…'}"


async def morning(ctx: Context, payload: dict[str, Any]) -> None:
    """The recipient's quiet hours are over: what waited goes now, if the pair still runs."""
    message = await ctx.uow.relayed.get(int(payload.get("message") or 0))
    if message is None or message.status != "quiet":
        return
    pair = await ctx.uow.pairs.get(message.pair_id)
    if pair is None or pair.status not in LIVE_PAIRS:
        return
    await deliver(ctx, message, own=False)


# --- held for a coordinator ----------------------------------------------------------------


async def _post_hold(ctx: Context, message: RelayedMessage) -> None:
    """The hold's alert where coordinators read in full: their group while only they are in it,
    else each coordinator's own chat (a group others may read never sees a held message)."""
    area = await _area(ctx, message)
    group = await ctx.coordinators_group(area)
    if group is not None:
        await _post_to(ctx, message, group, ctx.programme_translator())
        return
    for coordinator in await ctx.reachable_coordinators(area):
        await _post_to(ctx, message, coordinator.chat_id, ctx.translator_for(coordinator))


async def _area(ctx: Context, message: RelayedMessage) -> str | None:
    """The area whose coordinators decide on a held message: its pair's (None without areas)."""
    if not ctx.rules.has_areas:
        return None
    pair = await ctx.uow.pairs.get(message.pair_id)
    return await areas.area_of_pair(ctx.uow, ctx.rules, pair) if pair is not None else None


async def may_decide(ctx: Context, message: RelayedMessage) -> bool:
    """Whether this coordinator sees the held message's pair (``areas``)."""
    return await areas.sees_pair(ctx.uow, ctx.rules, ctx.person, await ctx.uow.pairs.get(message.pair_id))


async def _post_to(ctx: Context, message: RelayedMessage, chat_id: int, t: Translator) -> None:
    """One copy of the hold's alert, tracked, with the file it holds below it."""
    text = await hold_text(ctx, message, t)
    await ctx.say_to(chat_id, text, hold_keyboard(message, t), track=hold_key(message.id))
    there = ctx.about_chat(chat_id)
    if message.kind == "voice":
        await there.send_voice(str(message.file_id), f"#{message.id}")
    elif message.kind != "text":
        await there.send_file(message.kind, str(message.file_id), f"#{message.id}")


async def redraw_group(ctx: Context, group: int) -> None:
    """The holds' alerts in the coordinators' group as the group may now read them: without
    their words while someone else may read it (each coordinator then gets a copy of their own),
    in full again once only coordinators do."""
    watched = await ctx.watched_group() == group
    if not watched and await ctx.coordinators_group() != group:
        return  # it does not take the bot's messages
    t = ctx.programme_translator()
    for ref in await ctx.uow.message_refs.in_chat(group):
        kind, _, number = ref.key.partition(":")
        message = await ctx.uow.relayed.get(int(number)) if kind == "relay" and number.isdigit() else None
        if message is None or message.status != "held":
            continue
        if not watched:
            await ctx.edit_in(
                group, ref.message_id, await hold_text(ctx, message, t), hold_keyboard(message, t)
            )
            continue
        await ctx.edit_in(group, ref.message_id, t(HELD_POINTER), None)
        copies = {copy.chat_id for copy in await ctx.uow.message_refs.of(hold_key(message.id))}
        for coordinator in await ctx.reachable_coordinators():
            if coordinator.chat_id not in copies:
                await _post_to(ctx, message, coordinator.chat_id, ctx.translator_for(coordinator))


async def hold_text(ctx: Context, message: RelayedMessage, t: Translator) -> str:
    sender = await ctx.uow.people.get(message.sender_id)
    recipient = await ctx.uow.people.get(message.recipient_id)
    why = t(CONTACT_WHY) if message.held_for == CONTACT else t(KINDS.get(message.held_for or "", "–"))
    head = t(HELD_HEAD, sender=name_of(sender), recipient=name_of(recipient), why=why)
    return f"{head}\n\n{message.text or ''}".strip()


def hold_keyboard(message: RelayedMessage, t: Translator) -> Keyboard:
    return (
        (
            Button(t(PASS_ON), data=pack(HoldDecision(message.id, "ok"))),
            Button(t(REJECT), data=pack(HoldDecision(message.id, "no"))),
        ),
    )


async def pass_on(ctx: Context, message: RelayedMessage) -> None:
    """A coordinator passes a held message on (at the recipient's morning, if it is night there)."""
    message.decided_by = ctx.person.id
    recipient = await ctx.uow.people.get(message.recipient_id)
    sender = await ctx.uow.people.get(message.sender_id)
    if recipient is None or sender is None:
        return
    morning_at = quiet_until(ctx, recipient)
    if morning_at is not None:
        await _wait_for_morning(ctx, message, recipient, morning_at)
    else:
        await deliver(ctx, message, own=False)
    await ctx.uow.audit.record(ctx.now, ctx.person, "relay.passed_on", sender, message=message.id)
    told = ctx.about(sender)
    await told.say(told.t(TOLD_PASSED_ON, name=name_of(recipient)))
    await _decided(ctx, message, PASSED_ON)


async def reject(ctx: Context, message: RelayedMessage, note: str) -> None:
    """A coordinator keeps a held message back; the sender reads why."""
    message.status, message.decided_by = "rejected", ctx.person.id
    sender = await ctx.uow.people.get(message.sender_id)
    recipient = await ctx.uow.people.get(message.recipient_id)
    if sender is not None:
        await ctx.uow.audit.record(ctx.now, ctx.person, "relay.rejected", sender, message=message.id)
        told = ctx.about(sender)
        await told.say(told.t(TOLD_REJECTED, name=name_of(recipient), note=note))
    await _decided(ctx, message, NOT_PASSED_ON)


async def _decided(ctx: Context, message: RelayedMessage, outcome: str) -> None:
    """Every copy of the hold's alert shows the decision, and loses its buttons (a group that
    someone else may read, without the message's words)."""
    watched = await ctx.watched_group()
    for ref in await ctx.uow.message_refs.of(hold_key(message.id)):
        t = await _reader(ctx, ref.chat_id)
        words = t(HELD_POINTER) if ref.chat_id == watched else await hold_text(ctx, message, t)
        text = words + "\n\n" + t(outcome, name=name_of(ctx.person))
        await ctx.edit_in(ref.chat_id, ref.message_id, text, None)


async def forget(ctx: Context, person: Person) -> None:
    """Before a person's data goes (their messages go with their pairs): the alert of a message
    still held, to them or from them, keeps none of its words in the coordinators' chats."""
    for message in await ctx.uow.relayed.of_person(person.id):
        if message.status != "held":
            continue
        for ref in await ctx.uow.message_refs.of(hold_key(message.id)):
            t = await _reader(ctx, ref.chat_id)
            await ctx.edit_in(ref.chat_id, ref.message_id, t(GONE), None)
        await ctx.uow.message_refs.forget(hold_key(message.id))


async def _reader(ctx: Context, chat_id: int) -> Translator:
    person = await ctx.uow.people.by_chat(chat_id) if chat_id > 0 else None
    return ctx.translator_for(person) if person is not None else ctx.programme_translator()
