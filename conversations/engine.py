"""Runs declared flows with their state in the database.

Buttons carry ``f1:<token>:<choice>``: ``f1`` is the format's version, the token names the
question that was asked (a new one per question), so a press on an older question, a forged
press, or another person's button is answered and never acted on.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard, Text
from bot.i18n import N_
from conversations import inputs
from conversations.flow import END, Flow, Option, Step, StepKind
from conversations.inputs import Refusal
from storage.models import FlowState

PREFIX = "f1"
NUDGE_JOB = "flow.nudge"
SKIP, DONE = "skip", "ok"


def new_token() -> str:
    return secrets.token_urlsafe(6)[:8]


def nudge_key(person_id: int) -> str:
    return f"flow-nudge:{person_id}"


class FlowEngine:
    def __init__(self, flows: Iterable[Flow]) -> None:
        self.flows = {flow.name: flow for flow in flows}

    async def start(
        self, ctx: Context, name: str, answers: dict[str, Any] | None = None, *, at: str | None = None
    ) -> None:
        """Begin a flow (at its first step, or at ``at`` when earlier answers are known)."""
        flow = self.flows[name]
        state = FlowState(
            person_id=ctx.person.id,
            flow=name,
            step=flow.step(at).id if at else flow.first.id,
            token=new_token(),
            answers=dict(answers or {}),
            history=[],
            started_at=ctx.now,
            updated_at=ctx.now,
        )
        existing = await ctx.uow.flows.of(ctx.person.id)
        if existing is not None:
            await ctx.uow.flows.clear(ctx.person.id)
            await ctx.uow.session.flush()
        await ctx.uow.flows.save(state)
        await self._ask(ctx, flow, state)

    async def active(self, ctx: Context) -> FlowState | None:
        state = await ctx.uow.flows.of(ctx.person.id)
        if state is not None and state.flow not in self.flows:
            await ctx.uow.flows.clear(ctx.person.id)  # a flow removed in a newer release
            return None
        return state

    async def on_input(self, ctx: Context, state: FlowState, event: Inbound) -> None:
        """A message (not a button) while a flow waits for an answer."""
        flow = self.flows[state.flow]
        step = flow.step(state.step)
        value = self._read(ctx, step, event)
        if isinstance(value, Refusal):
            await self._ask(ctx, flow, state, hint=value)
            return
        await self._accept(ctx, flow, state, step, value)

    async def on_press(self, ctx: Context, event: ButtonPress) -> None:
        parts = event.data.split(":")
        state = await self.active(ctx)
        if len(parts) != 3 or state is None or parts[1] != state.token:
            await self._stale(ctx, event, state)
            return
        flow = self.flows[state.flow]
        step = flow.step(state.step)
        choice = parts[2]
        if choice == SKIP and step.optional:
            ctx.answer_button(event.callback_id)
            await self._close_prompt(ctx, event, state, step, ctx.t(N_("(skipped)")))
            await self._accept(ctx, flow, state, step, None)
            return
        if step.kind is StepKind.MULTI_CHOICE:
            await self._multi_press(ctx, event, flow, state, step, choice)
            return
        option = self._option(step, choice)
        if option is None or step.kind not in (StepKind.CHOICE, StepKind.YES_NO):
            await self._stale(ctx, event, state)
            return
        ctx.answer_button(event.callback_id)
        await self._close_prompt(ctx, event, state, step, self._label(ctx, option))
        await self._accept(ctx, flow, state, step, option.value)

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
        state = await self.active(ctx)
        if state is None:
            return False
        await ctx.uow.flows.clear(ctx.person.id)
        await ctx.unschedule(nudge_key(ctx.person.id))
        return True

    async def nudge(self, ctx: Context, payload: dict[str, Any]) -> None:
        """Once, a day after a question went unanswered: remind and ask it again."""
        state = await self.active(ctx)
        if state is None or state.token != payload.get("token") or not ctx.person.reachable:
            return
        if ctx.person.paused_at is not None:
            return  # no prompts while paused
        hint = Refusal(N_("You stopped in the middle. Shall we go on? (/cancel stops here.)"))
        await self._ask(ctx, self.flows[state.flow], state, hint=hint, nudge=False)

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
        step = flow.step(state.step)
        text = self._prompt(ctx, step, state)
        if hint is not None:
            text = ctx.t(hint.hint, **dict(hint.fields)) + "\n\n" + text
        await ctx.say(text, self._keyboard(ctx, step, state))
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
        return ctx.t(step.prompt, **fields)

    def _keyboard(self, ctx: Context, step: Step, state: FlowState) -> Keyboard | None:
        rows: list[tuple[Button, ...]] = []
        if step.kind in (StepKind.CHOICE, StepKind.YES_NO, StepKind.MULTI_CHOICE):
            chosen = set(state.answers.get(step.id) or ()) if step.kind is StepKind.MULTI_CHOICE else set()
            buttons = []
            for index, option in enumerate(step.choices()):
                label = self._label(ctx, option)
                if option.value in chosen:
                    label = "✓ " + label
                buttons.append(Button(label, data=f"{PREFIX}:{state.token}:{index}"))
            columns = 2 if step.kind is StepKind.YES_NO else max(step.columns, 1)
            rows.extend(tuple(buttons[i : i + columns]) for i in range(0, len(buttons), columns))
        if step.kind is StepKind.MULTI_CHOICE:
            rows.append((Button(ctx.t(N_("Done")), data=f"{PREFIX}:{state.token}:{DONE}"),))
        if step.optional:
            rows.append((Button(ctx.t(N_("Skip")), data=f"{PREFIX}:{state.token}:{SKIP}"),))
        return tuple(rows) or None

    @staticmethod
    def _label(ctx: Context, option: Option) -> str:
        return ctx.t(option.label) if option.translate else option.label

    @staticmethod
    def _option(step: Step, choice: str) -> Option | None:
        options = step.choices()
        if not choice.isdigit() or int(choice) >= len(options):
            return None
        return options[int(choice)]

    async def _close_prompt(
        self, ctx: Context, event: ButtonPress, state: FlowState, step: Step, answer: str
    ) -> None:
        """Show the answer under the question and take its buttons away."""
        if event.message_id is not None:
            await ctx.edit(event.message_id, f"{self._prompt(ctx, step, state)}\n\n→ {answer}")

    async def _stale(self, ctx: Context, event: ButtonPress, state: FlowState | None) -> None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        if state is None:
            await ctx.say(ctx.t(N_("That button is from an earlier conversation. Send /start to begin.")))
            return
        hint = Refusal(N_("That button belongs to an earlier question. Here is where we are:"))
        await self._ask(ctx, self.flows[state.flow], state, hint=hint, nudge=False)

    async def _multi_press(
        self,
        ctx: Context,
        event: ButtonPress,
        flow: Flow,
        state: FlowState,
        step: Step,
        choice: str,
    ) -> None:
        chosen = list(state.answers.get(step.id) or [])
        if choice == DONE:
            if not chosen and not step.optional:
                ctx.answer_button(event.callback_id, ctx.t(N_("Choose at least one.")), alert=True)
                return
            ctx.answer_button(event.callback_id)
            labels = [self._label(ctx, o) for o in step.choices() if o.value in chosen]
            await self._close_prompt(ctx, event, state, step, ", ".join(labels))
            await self._accept(ctx, flow, state, step, chosen)
            return
        option = self._option(step, choice)
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

    # --- answering ----------------------------------------------------------------------------

    def _read(self, ctx: Context, step: Step, event: Inbound) -> object:
        match step.kind:
            case StepKind.TEXT:
                value: object = inputs.read_text(event, step.max_length)
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
            case StepKind.LOCATION:
                value = inputs.read_location(event)
            case StepKind.CHOICE | StepKind.YES_NO:
                value = self._typed_choice(ctx, step, event)
            case StepKind.MULTI_CHOICE:
                value = inputs.wrong_kind_hint(event, "choice")
                if isinstance(event, Text):
                    value = Refusal(N_("Please tap the buttons below, then “Done”."))
        if isinstance(value, Refusal) or step.validate is None:
            return value
        problem = step.validate(value)
        return Refusal(problem) if problem else value

    @staticmethod
    def _in_range(step: Step, value: float) -> bool:
        low = step.min_value if step.min_value is not None else float("-inf")
        high = step.max_value if step.max_value is not None else float("inf")
        return low <= value <= high

    def _typed_choice(self, ctx: Context, step: Step, event: Inbound) -> object:
        """Someone may type the answer instead of tapping: accept a label or its number."""
        if isinstance(event, Text):
            typed = event.text.strip().casefold()
            options = step.choices()
            for index, option in enumerate(options):
                if typed in (self._label(ctx, option).casefold(), str(index + 1)):
                    return option.value
        return inputs.wrong_kind_hint(event, "choice")

    async def _accept(self, ctx: Context, flow: Flow, state: FlowState, step: Step, value: object) -> None:
        stored = inputs.as_json(value)
        state.answers = {**state.answers, step.id: stored}
        if step.apply is not None:
            await step.apply(ctx, stored)
        following = flow.after(step, state.answers)
        if following == END:
            answers = dict(state.answers)
            await ctx.uow.flows.clear(ctx.person.id)
            await ctx.unschedule(nudge_key(ctx.person.id))
            await flow.on_complete(ctx, answers)
            return
        state.history = [*state.history, step.id]
        state.step = following
        state.token = new_token()
        state.updated_at = ctx.now
        await self._ask(ctx, flow, state)
