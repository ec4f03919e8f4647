"""The case's short conversations: a coordinator's note for the case log, and a thread with the
learner the concern is about.

"Contact the learner" opens the thread. The coordinator's message goes to the learner, signed and
logged, and the learner is asked for their answer at once (``case_reply``: words or a voice note),
so the reply they write in the chat reaches the case. The reply is a line of the case log (the
words stored like a concern's text, a voice note by its file id; neither ever goes to a log line),
the group's alert is edited to show it (a voice note follows it there), and the coordinator who
wrote gets it in their chat with the alert's buttons: "Contact the learner" again goes on with the
same thread. The learner is told their answer reached the coordinators. A reply never opens a new
concern; /concern instead of an answer drops the question and raises a concern, as always.

Decisions at the edges:

- A case resolved in the meantime still takes the reply: it is logged on the case and brought to
  the coordinator who wrote, with a line saying the case is resolved (and no buttons, as a resolved
  case takes no presses). It is not reopened: a "thank you" needs nothing, and a new worry is for
  /concern.
- A writer who is no longer a coordinator (or no longer reachable) is replaced by every coordinator.
- The question replaces a conversation the learner had left half-way, as any flow started for
  someone else does. It is asked once, without a nudge; each message from a coordinator asks it
  again, for one answer.

Each completion checks the role (or the case) again.
"""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_
from bot.services.concerns import (
    area,
    buttons,
    buttons_key,
    coordinators,
    learner_of,
    log_entry,
    refresh_alert,
)
from conversations.common import check_text, name_of
from conversations.flow import Flow, Step, StepKind
from storage.models import Concern, Person

NOTE_FLOW, CONTACT_FLOW, REPLY_FLOW = "case_note", "case_contact", "case_reply"
ANSWER_HERE = N_("Just answer here: your answer goes only to the programme's coordinators.")


async def note_written(ctx: Context, answers: dict[str, Any]) -> None:
    concern = await ctx.uow.concerns.get(int(answers.get("concern") or 0))
    if ctx.person.role != "coordinator" or concern is None:
        await ctx.say(ctx.t(N_("This concern is no longer there.")))
        return
    await record_note(ctx, concern, str(answers["note"]))
    await ctx.say(ctx.t(N_("Noted in the log of concern #{id}."), id=concern.id))


async def record_note(ctx: Context, concern: Concern, note: str) -> None:
    """A coordinator's note into the case log, and every copy of the alert shows it (the chat's
    note and the console's)."""
    await log_entry(ctx, concern, "note", ctx.person, note)
    concern.updated_at = ctx.now
    await refresh_alert(ctx, concern)


async def contact_written(ctx: Context, answers: dict[str, Any]) -> None:
    """The coordinator's message goes to the learner, signed, into the case log, and opens the
    learner's question for an answer."""
    concern = await ctx.uow.concerns.get(int(answers.get("concern") or 0))
    learner = await learner_of(ctx, concern) if concern is not None else None
    if ctx.person.role != "coordinator" or concern is None or learner is None:
        await ctx.say(ctx.t(N_("This concern is no longer there.")))
        return
    them = ctx.about(learner)
    heading = them.t(
        N_("A message from {name}, coordinator of {programme}:"),
        name=name_of(ctx.person),
        programme=them.programme,
    )
    await them.say(heading + "\n\n" + str(answers["message"]) + "\n\n" + them.t(ANSWER_HERE))
    thread = {"concern": concern.id, "writer": ctx.person.id, "writer_name": name_of(ctx.person)}
    await them.start_flow(REPLY_FLOW, thread)
    await log_entry(ctx, concern, "contacted", ctx.person, str(answers["message"]))
    concern.updated_at = ctx.now
    await refresh_alert(ctx, concern)
    await ctx.say(
        ctx.t(
            N_("Sent to {name}. Their answer will come to you here and into the case log."),
            name=name_of(learner),
        )
    )


async def reply_written(ctx: Context, answers: dict[str, Any]) -> None:
    """The learner's answer joins the case: logged, shown in the alert, brought to the coordinator."""
    concern = await ctx.uow.concerns.get(int(answers.get("concern") or 0))
    if concern is None:
        await ctx.say(ctx.t(N_("This conversation has ended. If something is wrong, send /concern.")))
        return
    reply = answers.get("reply")
    words = reply if isinstance(reply, str) else None
    voice = str(reply["voice"]) if isinstance(reply, dict) and reply.get("voice") else None
    await log_entry(ctx, concern, "replied", ctx.person, words, voice_file_id=voice)
    concern.updated_at = ctx.now
    await refresh_alert(ctx, concern)
    group = await ctx.coordinators_group(await area(ctx, concern))
    if voice is not None and group is not None:
        await ctx.about_chat(group).send_voice(voice, f"#{concern.id}")
    for reader in await _readers(ctx, answers):
        await _pass_on(ctx.about(reader), concern, name_of(ctx.person), words, voice)
    await ctx.say(ctx.t(N_("Thank you! Your answer has reached the coordinators.")))


async def _readers(ctx: Context, answers: dict[str, Any]) -> list[Person]:
    """The coordinator who wrote; every coordinator when the writer no longer is one."""
    writer = await ctx.uow.people.get(int(answers.get("writer") or 0))
    if writer is not None and writer.role == "coordinator" and writer.reachable:
        return [writer]
    concern = await ctx.uow.concerns.get(int(answers.get("concern") or 0))
    return await coordinators(ctx, concern)


async def _pass_on(
    them: Context, concern: Concern, learner: str, words: str | None, voice: str | None
) -> None:
    """The reply in a coordinator's chat, under it the alert's buttons (none once resolved),
    tracked so that they change with the case."""
    if words is not None:
        text = them.t(
            N_("Reply from {name} on concern #{id}:\n\n{reply}"), name=learner, id=concern.id, reply=words
        )
    else:
        text = them.t(
            N_("Reply from {name} on concern #{id}: a voice note (below)."), name=learner, id=concern.id
        )
    if concern.status == "resolved":
        resolved = N_("Concern #{id} was resolved in the meantime; the reply is in its log (/case {id}).")
        text += "\n\n" + them.t(resolved, id=concern.id)
    keyboard = await buttons(them, concern, them.t)
    await them.say_to(them.chat_id, text, keyboard, track=buttons_key(concern.id) if keyboard else None)
    if voice is not None:
        await them.send_voice(voice, f"#{concern.id}")


NOTE = Flow(
    name=NOTE_FLOW,
    steps=(
        Step(
            "note",
            N_("Your note for the case log (only coordinators read it):"),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=note_written,
    nudge_after=None,
)
CONTACT = Flow(
    name=CONTACT_FLOW,
    steps=(
        Step(
            "message",
            N_("Your message to the learner. It goes to them with your name:"),
            StepKind.TEXT,
            max_length=1000,
            validate=check_text,
        ),
    ),
    on_complete=contact_written,
    nudge_after=None,
)
REPLY = Flow(
    name=REPLY_FLOW,
    title=N_("your answer to a coordinator's message"),
    steps=(
        Step(
            "reply",
            N_("Your answer to {writer_name} – write it, or send a voice note:"),
            StepKind.TEXT,
            max_length=2000,  # a reply may be a short "yes" or a number: any words, as in /concern
            voice=True,
        ),
    ),
    on_complete=reply_written,
    nudge_after=None,
)
FLOWS = (NOTE, CONTACT, REPLY)
