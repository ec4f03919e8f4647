"""After a session the mentor writes a short note: what they talked about, how the learner seemed,
an optional note only coordinators read, and whether they are worried about something.

The learner never sees a note. "I am worried" raises a signal, which becomes a concern for the
coordinators (or joins the pair's open one).
"""

from __future__ import annotations

from typing import Any

from bot.context import Context
from bot.i18n import N_
from bot.services import concerns
from bot.services.wellbeing import FACES
from conversations.common import name_of
from conversations.flow import Flow, Option, Step, StepKind
from conversations.inputs import voice_of
from storage.models import MentorNote, Pair, Session

NAME = "mentor_note"
WORRIED_SIGNAL = "mentor_worried"
TOPICS = (
    Option("goals", N_("Goals")),
    Option("company", N_("Training company")),
    Option("school", N_("Vocational school")),
    Option("exams", N_("Exams")),
    Option("career", N_("Applications and career")),
    Option("language", N_("Language")),
    Option("personal", N_("Personal life")),
    Option("other", N_("Something else")),
)
SEEMED = tuple(Option(str(level), face) for level, face in enumerate(FACES, start=1))
FINE, WORRIED = "fine", "worried"
OUTCOME = (
    Option(FINE, N_("All fine")),
    Option(WORRIED, N_("I am worried about something")),
)
NOTE_FOR_COORDINATORS = N_("Note from {mentor} about {learner}: {note}")
WORRIED_FOR_COORDINATORS = N_(
    "Signal: {mentor} is worried about {learner} after their session. Please contact {mentor} soon."
)


async def start_note(ctx: Context, pair: Pair, session: Session | None) -> None:
    """Ask the mentor (``ctx.person``) for the short note about a session they held."""
    learner = await ctx.uow.people.get(pair.learner_id)
    await ctx.start_flow(
        NAME,
        {
            "pair": pair.id,
            "session": session.id if session is not None else None,
            "learner_name": name_of(learner),
        },
    )


async def written(ctx: Context, answers: dict[str, Any]) -> None:
    """Store the note; the private note and any worry go to the coordinators."""
    pair = await ctx.uow.pairs.get(int(answers.get("pair") or 0))
    if pair is None or pair.status != "active" or pair.mentor_id != ctx.person.id:
        await ctx.say(ctx.t(N_("This pair no longer exists.")))
        return
    session = await ctx.uow.sessions.get(int(answers.get("session") or 0)) if answers.get("session") else None
    seemed = answers.get("seemed")
    note = MentorNote(
        pair_id=pair.id,
        session_id=session.id if session is not None and session.pair_id == pair.id else None,
        mentor_id=ctx.person.id,
        topics=[str(t) for t in answers.get("topics") or ()],
        seemed=int(seemed) if isinstance(seemed, str) and seemed.isdigit() else None,
        note=answers.get("note") if isinstance(answers.get("note"), str) else None,
        voice_file_id=voice_of(answers.get("note")),
        worried=answers.get("outcome") == WORRIED,
        written_at=ctx.now,
    )
    await ctx.uow.notes.add(note)
    names = {"mentor": name_of(ctx.person), "learner": name_of(await ctx.uow.people.get(pair.learner_id))}
    if note.note or note.voice_file_id:
        said = note.note or "🎤"  # a spoken note follows as audio, this line its caption
        await ctx.tell_coordinators(NOTE_FOR_COORDINATORS, note=said, voice=note.voice_file_id, **names)
    if not note.worried:
        await ctx.say(ctx.t(N_("Thank you for your note.")))
        return
    # Each worry reaches the coordinators as a concern (a later one joins the open one).
    await ctx.uow.signals.raise_once(pair.id, WORRIED_SIGNAL, ctx.now)
    await concerns.signal(ctx, pair, WORRIED_SIGNAL, WORRIED_FOR_COORDINATORS, **names)
    await ctx.say(ctx.t(N_("Thank you. A coordinator will contact you soon.")))


MENTOR_NOTE_FLOW = Flow(
    name=NAME,
    title=N_("your note about the session"),
    steps=(
        Step(
            "topics",
            N_(
                "A short note about your session with {learner_name}. What did you talk about? "
                "Tap all that fit, then “Done”."
            ),
            StepKind.MULTI_CHOICE,
            options=TOPICS,
            columns=2,
        ),
        Step("seemed", N_("How did {learner_name} seem?"), StepKind.CHOICE, options=SEEMED, columns=3),
        Step(
            "note",
            N_(
                "Anything the coordinators should know? Write a short note, or tap “Skip”. "
                "Your learner never sees it."
            ),
            StepKind.TEXT,
            max_length=1000,
            optional=True,
            voice=True,
        ),
        Step(
            "outcome",
            N_("Is everything all right, or are you worried about something?"),
            StepKind.CHOICE,
            options=OUTCOME,
        ),
    ),
    on_complete=written,
)
FLOWS = (MENTOR_NOTE_FLOW,)
