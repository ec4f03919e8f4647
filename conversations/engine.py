"""Runs declared flows with their state in the database.

A person has at most one conversation in the foreground (it takes what they type) and an agenda
of conversations behind it, stored with it. Nothing started is dropped: what someone else or a
due job starts while the person is busy waits its turn (they are told in one line), unless the
foreground question has gone unanswered for a while; what the person starts themselves sets the
current one aside (parked), to be asked again when the new one ends. A conversation marked
``protected`` (a concern being told) is never set aside. When the foreground one ends (finished or
/cancel), the next on the agenda comes forward, parked ones first.

Buttons carry ``f1:<token>:<choice>``: ``f1`` is the format's version, the token names the
question that was asked (a new one per question), so a press on an older question, a forged
press, or another person's button is answered and never acted on. A press on the question of a
conversation set aside brings that conversation forward.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Final, Literal

from bot.callbacks import Callback, Pattern, Tag, pack, unpack
from bot.context import Context
from bot.events import Attachment, Button, ButtonPress, Inbound, Keyboard, Text
from bot.i18n import N_
from conversations import inputs
from conversations.flow import END, REVIEW, Flow, Option, Step, StepKind
from conversations.inputs import Refusal, clean_text
from storage.models import FlowState, WaitingFlow

PREFIX = "f1"
# A foreground question unanswered this long no longer holds back what others start.
IDLE_AFTER = timedelta(hours=2)
FIRST_THIS = N_("Let's finish this first.")
BACK_TO_IT = N_("Back to where we were:")
NEXT_UP = N_("Next: {what}. It comes as soon as we are done here.")
NEXT_UP_UNNAMED = N_("Another question is waiting for you. It comes as soon as we are done here.")
NUDGE_JOB = "flow.nudge"
DEADLINE_JOB = "flow.deadline"
WAITED_FOR = N_("Someone is waiting for your answer to this:")
# The reminder a day after a question went unanswered: for what the person began, or for a
# question someone else (or the programme) asked and they never started (no "you stopped").
STOPPED = N_("You stopped in the middle. Shall we go on? (/cancel stops here.)")
STOPPED_IN = N_("You stopped in the middle of {what}. Shall we go on? (/cancel stops here.)")
STILL_WAITING = N_("This question is still waiting for your answer (/cancel if not now):")
STILL_WAITING_FOR = N_("Still waiting for your answer: {what} (/cancel if not now).")
SKIP: Final = "skip"
DONE: Final = "ok"
EDIT = "e"  # a review button: f1:<token>:e<step index>
EDITING = "_editing"  # in the answers while one answer is changed from the review
ASKED = "_asked"  # in the answers of a conversation someone else or a due job started
CHOOSABLE = (StepKind.CHOICE, StepKind.YES_NO, StepKind.LOCATION)  # a tapped option answers these
Token = Annotated[str, Pattern(r"[A-Za-z0-9_-]{1,16}")]  # new_token()'s alphabet


@dataclass(frozen=True)
class FlowOption(Callback, prefix=PREFIX):
    """An option of the question asked, by its place among the options."""

    token: Token
    index: int


@dataclass(frozen=True)
class FlowWord(Callback, prefix=PREFIX):
    """Done (a multiple choice, or the review) or Skip (an optional question)."""

    token: Token
    word: Literal["ok", "skip"]


@dataclass(frozen=True)
class FlowEdit(Callback, prefix=PREFIX):
    """A review button: change the answer to the step at this place in the flow."""

    token: Token
    step: Annotated[int, Tag(EDIT)]


FlowPress = FlowOption | FlowWord | FlowEdit


def new_token() -> str:
    return secrets.token_urlsafe(6)[:8]


def nudge_key(person_id: int) -> str:
    return f"flow-nudge:{person_id}"


def deadline_key(person_id: int, flow: str, answers: dict[str, Any]) -> str:
    """One deadline per person, question and what it is about (a mentor may wait on three pairs)."""
    return f"flow-deadline:{person_id}:{flow}:{_about(answers)}"


def _about(answers: dict[str, Any]) -> str:
    return str(answers.get("pair") or answers.get("session") or "")


class FlowEngine:
    def __init__(self, flows: Iterable[Flow]) -> None:
        self.flows = {flow.name: flow for flow in flows}

    async def start(
        self,
        ctx: Context,
        name: str,
        answers: dict[str, Any] | None = None,
        *,
        at: str | None = None,
        behind: bool = False,
    ) -> None:
        """Begin a flow at its first step, or at ``at``: the review of the answers given, or a
        later step, which the flow's way then also runs from (``Flow.path``). ``behind``: what
        rides along with the conversation just begun waits for it, whoever starts it."""
        flow = self.flows[name]
        entry = flow.step(at).id if at not in (None, REVIEW) else None
        state = FlowState(
            person_id=ctx.person.id,
            flow=name,
            step=REVIEW if at == REVIEW else entry or flow.first.id,
            entry=entry,
            token=new_token(),
            answers=dict(answers or {}),
            history=[],
            started_at=ctx.now,
            updated_at=ctx.now,
        )
        own = ctx.actor_id == ctx.person.id and not behind
        if not own:
            state.answers[ASKED] = True  # so a reminder never says they stopped midway
        if flow.answer_within is not None:
            await self._schedule_deadline(ctx, flow, state.answers, first=True)
        current = await self.active(ctx)
        if current is None:
            await self._begin(ctx, flow, state)
            return
        holding = self.flows[current.flow]
        same = current.flow == name and _about(current.answers) == _about(state.answers)
        if own and same and holding.protected:
            await self._ask(ctx, holding, current, nudge=False)  # /concern again: keep what they told
        elif own and same:
            await self._drop_foreground(ctx)  # the person starts it again, from where they asked
            await self._begin(ctx, flow, state)
        elif not holding.protected and not behind and (own or ctx.now - current.updated_at >= IDLE_AFTER):
            await self._set_aside(ctx, current, parked=own)
            await self._begin(ctx, flow, state)
        else:
            await self._queue(ctx, flow, state, own=own, holding=holding, current=current, quiet=behind)

    async def _begin(self, ctx: Context, flow: Flow, state: FlowState) -> None:
        await ctx.uow.flows.save(state)
        await self._ask(ctx, flow, state)

    async def _drop_foreground(self, ctx: Context) -> None:
        await ctx.uow.flows.clear(ctx.person.id)
        await ctx.unschedule(nudge_key(ctx.person.id))
        await ctx.uow.session.flush()

    async def _set_aside(self, ctx: Context, state: FlowState, *, parked: bool) -> None:
        """The foreground conversation goes onto the agenda, its answers kept."""
        await ctx.uow.flows.wait(_waiting(state, parked=parked, asked=True, now=ctx.now))
        await self._drop_foreground(ctx)

    async def _queue(
        self,
        ctx: Context,
        flow: Flow,
        state: FlowState,
        *,
        own: bool,
        holding: Flow,
        current: FlowState,
        quiet: bool = False,
    ) -> None:
        """The new conversation waits behind the current one; the person hears of it in one line
        (and, when it was their own command, the current question again). ``quiet``: what rides
        along was announced with what it follows."""
        agenda = await ctx.uow.flows.agenda(ctx.person.id)
        if any(w.flow == state.flow and w.answers == state.answers for w in agenda):
            return  # already waiting
        await ctx.uow.flows.wait(_waiting(state, parked=own, asked=False, now=ctx.now))
        line = ctx.t(NEXT_UP, what=ctx.t(flow.title)) if flow.title else ctx.t(NEXT_UP_UNNAMED)
        if own:
            await self._ask(ctx, holding, current, hint=Refusal(FIRST_THIS), nudge=False)
        if not quiet:
            await ctx.say(line)

    async def bring_forward(self, ctx: Context, token: str | None = None) -> bool:
        """The next conversation on the agenda (or the one asking ``token``) comes to the
        foreground and its question is asked; False when nothing waits."""
        for waiting in await ctx.uow.flows.agenda(ctx.person.id):
            if waiting.flow not in self.flows:  # a flow removed in a newer release
                await ctx.uow.flows.unwait(waiting)
                continue
            if token is not None and waiting.token != token:
                continue
            state = await self._take(ctx, waiting)
            if token is None:
                hint = Refusal(BACK_TO_IT) if waiting.asked else None
                await self._ask(ctx, self.flows[state.flow], state, hint=hint)
            return True
        return False

    async def _take(self, ctx: Context, waiting: WaitingFlow) -> FlowState:
        state = FlowState(
            person_id=waiting.person_id,
            flow=waiting.flow,
            step=waiting.step,
            entry=waiting.entry,
            token=waiting.token,
            answers=dict(waiting.answers),
            history=list(waiting.history),
            started_at=waiting.started_at,
            updated_at=ctx.now,
        )
        await ctx.uow.flows.unwait(waiting)
        await ctx.uow.flows.save(state)
        return state

    async def active(self, ctx: Context) -> FlowState | None:
        state = await ctx.uow.flows.of(ctx.person.id)
        if state is not None and state.flow not in self.flows:
            await ctx.uow.flows.clear(ctx.person.id)  # a flow removed in a newer release
            return None
        return state

    async def on_input(self, ctx: Context, state: FlowState, event: Inbound) -> None:
        """A message (not a button) while a flow waits for an answer."""
        flow = self.flows[state.flow]
        ctx.flow_answers = state.answers
        if state.step == REVIEW:
            await self._ask(ctx, flow, state, hint=Refusal(N_("Please tap one of the buttons below.")))
            return
        step = flow.step(state.step)
        if step.kind is StepKind.MULTI_CHOICE and isinstance(event, Text):
            await self._multi_typed(ctx, flow, state, step, event.text)
            return
        value = self._read(ctx, step, event)
        if isinstance(value, Refusal):
            await self._ask(ctx, flow, state, hint=value)
            return
        await self._accept(ctx, flow, state, step, value)

    async def on_press(self, ctx: Context, event: ButtonPress) -> None:
        press = unpack(event.data, FlowOption, FlowWord, FlowEdit)
        state = await self.active(ctx)
        if press is not None and (state is None or press.token != state.token):
            waiting = [w for w in await ctx.uow.flows.agenda(ctx.person.id) if w.token == press.token]
            if waiting:
                state = await self._forward_for(ctx, event, state, press.token)
                if state is None:
                    return
        if press is None or state is None or press.token != state.token:
            await self._stale(ctx, event, state)
            return
        flow = self.flows[state.flow]
        ctx.flow_answers = state.answers
        if state.step == REVIEW:
            await self._review_press(ctx, event, flow, state, press)
            return
        step = flow.step(state.step)
        if isinstance(press, FlowWord) and press.word == SKIP and step.optional:
            ctx.answer_button(event.callback_id)
            await self._close_prompt(ctx, event, state, step, ctx.t(N_("(skipped)")))
            await self._accept(ctx, flow, state, step, None)
            return
        if step.kind is StepKind.MULTI_CHOICE:
            await self._multi_press(ctx, event, flow, state, step, press)
            return
        option = self._option(ctx, step, press)
        if option is None or step.kind not in CHOOSABLE:
            await self._stale(ctx, event, state)
            return
        ctx.answer_button(event.callback_id)
        await self._close_prompt(ctx, event, state, step, self._label(ctx, option))
        await self._accept(ctx, flow, state, step, option.value)

    async def _forward_for(
        self, ctx: Context, event: ButtonPress, state: FlowState | None, token: str
    ) -> FlowState | None:
        """A press on the question of a conversation set aside brings it forward (the current one
        is set aside in turn); the current one stays if it is protected. None: answered here."""
        if state is not None:
            holding = self.flows[state.flow]
            if holding.protected:
                ctx.answer_button(event.callback_id, ctx.t(FIRST_THIS))
                await self._ask(ctx, holding, state, hint=Refusal(FIRST_THIS), nudge=False)
                return None
            await self._set_aside(ctx, state, parked=True)
        await self.bring_forward(ctx, token)
        return await self.active(ctx)

    async def back(self, ctx: Context) -> bool:
        state = await self.active(ctx)
        if state is None:
            return False
        flow = self.flows[state.flow]
        if not state.history:
            hint = Refusal(N_("This is the first question."))
            await self._ask(ctx, flow, state, hint=hint)
            return True
        history = list(state.history)
        state.step = history.pop()
        state.history = history
        state.token = new_token()
        state.updated_at = ctx.now
        await self._ask(ctx, flow, state)
        return True

    async def cancel(self, ctx: Context) -> bool:
        """Stop the foreground conversation; what waits behind it comes forward. Whoever waited
        for its answer is told at once."""
        state = await self.active(ctx)
        if state is None:
            return False
        await self._drop_foreground(ctx)
        flow = self.flows[state.flow]
        if flow.answer_within is not None:
            await ctx.unschedule(deadline_key(ctx.person.id, flow.name, state.answers))
            if flow.on_unanswered is not None:
                await flow.on_unanswered(ctx, dict(state.answers))
        return True

    async def _schedule_deadline(
        self, ctx: Context, flow: Flow, answers: dict[str, Any], *, first: bool
    ) -> None:
        assert flow.answer_within is not None
        await ctx.schedule(
            DEADLINE_JOB,
            ctx.now + flow.answer_within,
            {"person_id": ctx.person.id, "flow": flow.name, "about": _about(answers), "again": first},
            dedupe_key=deadline_key(ctx.person.id, flow.name, answers),
        )

    async def deadline(self, ctx: Context, payload: dict[str, Any]) -> None:
        """A question someone waits for is still open: asked again once (brought forward unless
        the person is in the middle of something else), then whoever waits is told."""
        flow = self.flows.get(str(payload.get("flow")))
        about = str(payload.get("about") or "")
        state = await self.active(ctx)
        waiting = [
            w
            for w in await ctx.uow.flows.agenda(ctx.person.id)
            if flow and w.flow == flow.name and _about(w.answers) == about
        ]
        asking = state is not None and state.flow == payload.get("flow") and _about(state.answers) == about
        if flow is None or flow.answer_within is None or not (asking or waiting):
            return  # answered meanwhile
        answers = state.answers if state is not None and asking else waiting[0].answers
        if not payload.get("again"):
            if flow.on_unanswered is not None:
                await flow.on_unanswered(ctx, dict(answers))
            return
        await self._schedule_deadline(ctx, flow, answers, first=False)
        if ctx.person.paused_at is not None or not ctx.person.reachable:
            return
        if state is not None and asking:
            await self._ask(ctx, flow, state, hint=Refusal(WAITED_FOR), nudge=False)
            return
        if state is not None:
            if self.flows[state.flow].protected or ctx.now - state.updated_at < IDLE_AFTER:
                return  # it stays next on the agenda; the person is busy with something else now
            await self._set_aside(ctx, state, parked=False)
        await self.bring_forward(ctx, waiting[0].token)
        forward = await self.active(ctx)
        if forward is not None:
            await self._ask(ctx, flow, forward, hint=Refusal(WAITED_FOR), nudge=False)

    async def nudge(self, ctx: Context, payload: dict[str, Any]) -> None:
        """Once, a day after a question went unanswered: remind and ask it again."""
        state = await self.active(ctx)
        if state is None or state.token != payload.get("token") or not ctx.person.reachable:
            return
        if ctx.person.paused_at is not None:
            return  # no prompts while paused
        flow = self.flows[state.flow]
        started = state.history or not state.answers.get(ASKED)
        if flow.title is None:
            hint = Refusal(STOPPED if started else STILL_WAITING)
        else:  # named, so a reminder a day later says what it is about
            what = (("what", ctx.t(flow.title)),)
            hint = Refusal(STOPPED_IN if started else STILL_WAITING_FOR, what)
        await self._ask(ctx, flow, state, hint=hint, nudge=False)

    # --- asking -----------------------------------------------------------------------------

    async def _ask(
        self,
        ctx: Context,
        flow: Flow,
        state: FlowState,
        hint: Refusal | None = None,
        *,
        nudge: bool = True,
    ) -> None:
        keyboard: Keyboard | None
        ctx.flow_answers = state.answers
        if state.step == REVIEW:
            text, keyboard = self._review(ctx, flow, state)
        else:
            step = flow.step(state.step)
            text, keyboard = self._prompt(ctx, step, state), self._keyboard(ctx, step, state)
        if hint is not None:
            text = ctx.t(hint.hint, **dict(hint.fields)) + "\n\n" + text
        await ctx.say(text, keyboard)
        # A re-ask (a hint) keeps the question's token, so its pending nudge stays right.
        if nudge and hint is None and flow.nudge_after is not None:
            await ctx.schedule(
                NUDGE_JOB,
                ctx.now + flow.nudge_after,
                {"person_id": ctx.person.id, "token": state.token},
                dedupe_key=nudge_key(ctx.person.id),
            )

    def _prompt(self, ctx: Context, step: Step, state: FlowState) -> str:
        fields = {k: v for k, v in state.answers.items() if isinstance(v, str)}
        fields.setdefault("name", ctx.person.preferred_name or ctx.person.first_name)
        worded = self.flows[state.flow].fields
        if worded is not None:
            fields.update(worded(ctx, state.answers))
        fields.update(programme=ctx.programme, consent_age=str(ctx.rules.digital_consent_age))
        return ctx.t(step.prompt, **fields)

    def _keyboard(self, ctx: Context, step: Step, state: FlowState) -> Keyboard | None:
        rows: list[tuple[Button, ...]] = []
        options = step.choices(ctx) if step.kind in (*CHOOSABLE, StepKind.MULTI_CHOICE) else ()
        if options:
            chosen = set(state.answers.get(step.id) or ()) if step.kind is StepKind.MULTI_CHOICE else set()
            buttons = []
            for index, option in enumerate(options):
                label = self._label(ctx, option)
                if option.value in chosen:
                    label = "✓ " + label
                buttons.append(Button(label, data=pack(FlowOption(state.token, index))))
            columns = 2 if step.kind is StepKind.YES_NO else max(step.columns, 1)
            rows.extend(tuple(buttons[i : i + columns]) for i in range(0, len(buttons), columns))
        if step.kind is StepKind.MULTI_CHOICE:
            rows.append((Button(ctx.t(N_("Done")), data=pack(FlowWord(state.token, DONE))),))
        if step.optional:
            rows.append((Button(ctx.t(N_("Skip")), data=pack(FlowWord(state.token, SKIP))),))
        return tuple(rows) or None

    def _review(self, ctx: Context, flow: Flow, state: FlowState) -> tuple[str, Keyboard]:
        """The answers so far, one line each, with a button to change any of them."""
        lines = [ctx.t(N_("Here is what you told me. Is everything right?")), ""]
        edits = []
        for step in self._path(flow, state):
            if step.label is None:
                continue
            shown = self.shown_answer(ctx, step, state.answers)
            lines.append(ctx.t.labelled(ctx.t(step.label), shown))
            index = flow.steps.index(step)
            edits.append(Button("✎ " + ctx.t(step.label), data=pack(FlowEdit(state.token, index))))
        rows: list[tuple[Button, ...]] = [
            (Button(ctx.t(N_("Yes, that's right")), data=pack(FlowWord(state.token, DONE))),)
        ]
        rows.extend(tuple(edits[i : i + 2]) for i in range(0, len(edits), 2))
        return "\n".join(lines), tuple(rows)

    def shown_answer(self, ctx: Context, step: Step, answers: dict[str, Any], limit: int = 160) -> str:
        """An answer as its reader knows it: option labels, place names, their own words."""
        value = answers.get(step.id)
        if value is None and step.default is not None:
            value = step.default(ctx)
        labels = {option.value: self._label(ctx, option) for option in step.choices(ctx)}
        if step.kind is StepKind.MULTI_CHOICE:
            parts = [labels.get(v, str(v)) for v in value or ()]
            if answers.get(step.id + "_other"):
                parts.append(str(answers[step.id + "_other"]))
            text = ", ".join(parts)
        elif isinstance(value, dict) and "voice" in value:
            text = ctx.t(N_("🎤 a voice note"))
        elif isinstance(value, dict):  # a shared location: named after the nearest listed place
            place = (
                ctx.rules.nearest_place(float(value["lat"]), float(value["lon"])) if "lat" in value else None
            )
            near = value.get("near") or (place.name if place else None)
            text = ctx.t(N_("near {place}"), place=near) if near else ctx.t(N_("a shared location"))
        else:
            text = "" if value is None else labels.get(str(value), str(value))
        text = text or "–"
        return text if len(text) <= limit else text[: limit - 1] + "…"

    @staticmethod
    def _label(ctx: Context, option: Option) -> str:
        return ctx.t(option.label) if option.translate else option.label

    @staticmethod
    def _option(ctx: Context, step: Step, press: FlowPress) -> Option | None:
        options = step.choices(ctx)
        if not isinstance(press, FlowOption) or press.index >= len(options):
            return None
        return options[press.index]

    async def _close_prompt(
        self, ctx: Context, event: ButtonPress, state: FlowState, step: Step | None, answer: str
    ) -> None:
        """Show the answer under the question and take its buttons away."""
        if event.message_id is None:
            return
        if step is None:  # the review: its text stays, its buttons go
            await ctx.edit_keyboard(event.message_id, None)
            return
        await ctx.edit(event.message_id, f"{self._prompt(ctx, step, state)}\n\n→ {answer}")

    async def _stale(self, ctx: Context, event: ButtonPress, state: FlowState | None) -> None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        if state is None:
            await ctx.say(ctx.t(N_("That button is from an earlier conversation. Send /start to begin.")))
            return
        hint = Refusal(N_("That button belongs to an earlier question. Here is where we are:"))
        await self._ask(ctx, self.flows[state.flow], state, hint=hint, nudge=False)

    async def _review_press(
        self, ctx: Context, event: ButtonPress, flow: Flow, state: FlowState, press: FlowPress
    ) -> None:
        if isinstance(press, FlowWord) and press.word == DONE:
            ctx.answer_button(event.callback_id)
            await self._close_prompt(ctx, event, state, None, "")
            await self._complete(ctx, flow, state)
            return
        path = self._path(flow, state)
        if not isinstance(press, FlowEdit) or press.step >= len(flow.steps):
            await self._stale(ctx, event, state)
            return
        step = flow.steps[press.step]
        if step not in path or step.label is None:
            await self._stale(ctx, event, state)
            return
        ctx.answer_button(event.callback_id)
        await self._close_prompt(ctx, event, state, None, "")
        state.answers = {**state.answers, EDITING: True}
        state.history = [*state.history, REVIEW]
        state.step = step.id
        state.token = new_token()
        state.updated_at = ctx.now
        await self._ask(ctx, flow, state)

    async def _multi_press(
        self,
        ctx: Context,
        event: ButtonPress,
        flow: Flow,
        state: FlowState,
        step: Step,
        press: FlowPress,
    ) -> None:
        chosen = list(state.answers.get(step.id) or [])
        if isinstance(press, FlowWord) and press.word == DONE:
            if not self._multi_answered(step, state):
                ctx.answer_button(event.callback_id, ctx.t(N_("Choose at least one.")), alert=True)
                return
            ctx.answer_button(event.callback_id)
            await self._close_prompt(ctx, event, state, step, self.shown_answer(ctx, step, state.answers))
            await self._accept(ctx, flow, state, step, chosen)
            return
        option = self._option(ctx, step, press)
        if option is None:
            await self._stale(ctx, event, state)
            return
        ctx.answer_button(event.callback_id)
        if option.value in chosen:
            chosen.remove(option.value)
        else:
            chosen.append(option.value)
        state.answers = {**state.answers, step.id: chosen}
        state.updated_at = ctx.now
        if event.message_id is not None:
            await ctx.edit_keyboard(event.message_id, self._keyboard(ctx, step, state))

    async def _multi_typed(self, ctx: Context, flow: Flow, state: FlowState, step: Step, typed: str) -> None:
        """Typed instead of tapped: options by name (or a number they carry), "Done", and (where
        asked) own words."""
        chosen = list(state.answers.get(step.id) or [])
        if clean_text(typed).casefold() == ctx.t(N_("Done")).casefold():
            if self._multi_answered(step, state):
                await self._accept(ctx, flow, state, step, chosen)
            else:
                await self._ask(ctx, flow, state, hint=Refusal(N_("Choose at least one.")))
            return
        options = step.choices(ctx)
        own: list[str] = []
        matched = stray = False
        for piece in (clean_text(p) for p in re.split(r"[,;\n]", typed)):
            option = self._match(ctx, options, piece)
            if option is not None:
                matched = True
                chosen += [] if option.value in chosen else [option.value]
            elif inputs.TYPED_NUMBER.fullmatch(piece):
                stray = True  # a number no option carries is no words of one's own
            elif piece:
                own.append(piece)
        if stray or (own and not step.free_text) or not (own or matched):
            hint = Refusal(N_("Please tap the buttons below, then “Done”."))
            await self._ask(ctx, flow, state, hint=hint)
            return
        words = ", ".join(own)
        if len(words) > step.max_length:
            hint = Refusal(inputs.TOO_LONG, (("max", step.max_length),))
            await self._ask(ctx, flow, state, hint=hint)
            return
        state.answers = {**state.answers, step.id: chosen}
        if words:
            state.answers[step.id + "_other"] = words
        state.updated_at = ctx.now
        hint = Refusal(N_("Noted. Tap more if you like, then “Done”."))
        await self._ask(ctx, flow, state, hint=hint)

    @staticmethod
    def _multi_answered(step: Step, state: FlowState) -> bool:
        return step.optional or bool(state.answers.get(step.id) or state.answers.get(step.id + "_other"))

    # --- answering ----------------------------------------------------------------------------

    def _read(self, ctx: Context, step: Step, event: Inbound) -> object:
        match step.kind:
            case StepKind.TEXT if step.voice and isinstance(event, Attachment):
                value: object = inputs.read_voice(event)
            case StepKind.TEXT if step.media and isinstance(event, Attachment):
                value = inputs.read_media(event, step.max_length)
            case StepKind.TEXT:
                value = inputs.read_text(event, step.max_length, lines=step.lines)
            case StepKind.NUMBER:
                value = inputs.read_number(event, ctx.t.locale)
                if not isinstance(value, Refusal) and not self._in_range(step, float(value)):
                    value = Refusal(
                        N_("Please send a number from {min} to {max}."),
                        (("min", step.min_value), ("max", step.max_value)),
                    )
            case StepKind.DATE:
                value = inputs.read_date(event)
            case StepKind.TIME:
                value = inputs.read_time(event)
            case StepKind.LOCATION if isinstance(event, Text) and step.choices(ctx):
                option = self._match(ctx, step.choices(ctx), clean_text(event.text))
                value = option.value if option else Refusal(UNKNOWN_PLACE)
            case StepKind.LOCATION:
                value = inputs.read_location(event)
            case StepKind.CHOICE | StepKind.YES_NO:
                option = self._match(ctx, step.choices(ctx), event.text) if isinstance(event, Text) else None
                if option is not None:
                    value = option.value
                elif step.typed is not None and isinstance(event, Text):
                    value = step.typed(ctx, clean_text(event.text))
                else:
                    value = inputs.wrong_kind_hint(event, "choice")
            case StepKind.MULTI_CHOICE:
                value = inputs.wrong_kind_hint(event, "choice")
            case StepKind.FILE:
                value = inputs.read_file(event)
        if isinstance(value, Refusal):
            return value
        problem = step.validate(value) if step.validate else None
        if problem is None and step.check is not None:
            problem = step.check(ctx, value)
        return Refusal(problem) if problem else value

    @staticmethod
    def _in_range(step: Step, value: float) -> bool:
        low = step.min_value if step.min_value is not None else float("-inf")
        high = step.max_value if step.max_value is not None else float("inf")
        return low <= value <= high

    def _match(self, ctx: Context, options: tuple[Option, ...], typed: str) -> Option | None:
        """Someone may type the answer instead of tapping: its label, or a number or time it names."""
        index = inputs.match_option(typed, [self._label(ctx, option) for option in options])
        return None if index is None else options[index]

    async def _accept(self, ctx: Context, flow: Flow, state: FlowState, step: Step, value: object) -> None:
        stored = inputs.as_json(value)
        state.answers = {**state.answers, step.id: stored}
        if step.apply is not None:
            await step.apply(ctx, stored)
        following = flow.after(step, state.answers)
        if state.answers.get(EDITING) and (following == END or following in state.answers):
            following = REVIEW  # one answer changed (and what it newly needs): back to the summary
        elif following == END and flow.review and self._anything_to_review(flow, state):
            following = REVIEW
        if following == END:
            await self._complete(ctx, flow, state)
            return
        state.history = [*state.history, step.id]
        state.step = following
        state.token = new_token()
        state.updated_at = ctx.now
        await self._ask(ctx, flow, state)

    @staticmethod
    def _path(flow: Flow, state: FlowState) -> list[Step]:
        """The steps the answers lead through, from the first step and from where the flow began."""
        return flow.path(state.answers, state.entry)

    def _anything_to_review(self, flow: Flow, state: FlowState) -> bool:
        """A flow left early (no consent, say) ends without a summary of nothing."""
        return any(step.ask and step.label for step in self._path(flow, state))

    async def _complete(self, ctx: Context, flow: Flow, state: FlowState) -> None:
        """Hand the answers on the way taken (not those of a branch left) to the flow's completion."""
        left = {step.id for step in flow.steps} - {step.id for step in self._path(flow, state)}
        answers = {
            key: value
            for key, value in state.answers.items()
            if key not in (EDITING, ASKED) and key.removesuffix("_other") not in left
        }
        await self._drop_foreground(ctx)
        if flow.answer_within is not None:
            await ctx.unschedule(deadline_key(ctx.person.id, flow.name, state.answers))
        following = await flow.on_complete(ctx, answers)
        if following is not None:
            await ctx.uow.session.flush()
            await self.start(ctx, following)
        if await ctx.uow.flows.of(ctx.person.id) is None:
            await self.bring_forward(ctx)


UNKNOWN_PLACE = N_(
    "I don't know that place. Tap one of the places below, or share a location (📎 → Location)."
)


def _waiting(state: FlowState, *, parked: bool, asked: bool, now: datetime) -> WaitingFlow:
    return WaitingFlow(
        person_id=state.person_id,
        flow=state.flow,
        step=state.step,
        entry=state.entry,
        token=state.token,
        answers=dict(state.answers),
        history=list(state.history),
        parked=parked,
        asked=asked,
        started_at=state.started_at,
        updated_at=state.updated_at,
        queued_at=now,
    )
