"""The team: /team lists the programme's coordinators and mentors (``/team NAME``: those whose
name holds it), with a button each to suspend or reinstate a mentor, or to remove a coordinator.
Each button starts a short confirmation (a suspension asks for its reason first): the decisions
themselves are in ``conversations/team_flows.py``, shared with ``tandem admin``.

Buttons carry ``tm1:<person id>:sus|rei|rem``; every press checks again that the presser is a
coordinator and that the person is still where the list showed them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from bot.callbacks import Callback, pack
from bot.context import Context
from bot.events import Button, ButtonPress, Command, Inbound
from bot.feature import COORDINATORS, CommandEntry, Feature, HelpLine, staff_press
from bot.i18n import N_
from bot.services import areas
from bot.services.people import name_of
from conversations import team_flows as flows
from storage.models import Person

PREFIX = "tm1"
MENU_JOB = "team.menu"
SHOWN = 40  # people with a button in one list; /team NAME finds the others
ROLES = {"coordinator": N_("coordinator"), "mentor": N_("mentor")}
LABELS = {"sus": N_("Suspend {name}"), "rei": N_("Reinstate {name}"), "rem": N_("Remove {name}")}
STARTS = {"sus": flows.SUSPEND, "rei": flows.REINSTATE, "rem": flows.REMOVE}


@dataclass(frozen=True)
class TeamAction(Callback, prefix=PREFIX):
    person: int
    action: Literal["sus", "rei", "rem"]


def action_for(person: Person) -> Literal["sus", "rei", "rem"] | None:
    """What a coordinator may do about the person now."""
    if person.role == "coordinator":
        return "rem"
    if flows.suspendable(person):
        return "sus"
    return "rei" if flows.reinstatable(person) else None


async def team(ctx: Context, event: Inbound) -> None:
    if ctx.person.role != "coordinator":
        await ctx.say(ctx.t(N_("Only coordinators can use this command.")))
        return
    wanted = event.args.strip().casefold() if isinstance(event, Command) else ""
    mine = areas.visible(ctx.rules, ctx.person, await ctx.uow.people.team())
    people = [p for p in mine if wanted in name_of(p).casefold()]
    if not people:
        await ctx.say(ctx.t(N_("Nobody on the team matches “{name}”."), name=wanted[:40]))
        return
    lines = [ctx.t(N_("The coordinators and mentors (the buttons ask before they change anything):"))]
    rows = []
    for person in people[:SHOWN]:
        lines.append("• " + await _line(ctx, person))
        action = action_for(person)
        if action is not None:
            label = ctx.t(LABELS[action], name=name_of(person))
            rows.append((Button(label, data=pack(TeamAction(person.id, action))),))
    if len(people) > SHOWN:
        more = N_("…and {n} more: /team and part of a name finds someone.")
        lines.append(ctx.t(more, n=len(people) - SHOWN))
    await ctx.say("\n".join(lines), tuple(rows) or None)


async def _line(ctx: Context, person: Person) -> str:
    parts = [name_of(person), ctx.t(ROLES[person.role or "mentor"])]
    if person.role == "mentor" and person.screening == flows.SUSPENDED:
        since = ctx.t.date(person.suspended_at or ctx.now)
        parts.append(ctx.t(N_("suspended since {date}"), date=since))
        if person.screening_note:
            parts.append(person.screening_note[:200])
    elif person.role == "mentor":
        mentoring = any(p.mentor_id == person.id for p in await ctx.uow.pairs.live_of(person.id))
        parts.append(ctx.t(N_("mentoring") if mentoring else N_("approved")))
    return " · ".join(parts)


async def pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, TeamAction)
    if press is None:
        return
    person = await ctx.uow.people.get(press.person)
    if (
        person is None
        or not areas.sees_person(ctx.rules, ctx.person, person)
        or action_for(person) != press.action
    ):
        ctx.answer_button(event.callback_id, ctx.t(flows.STALE))
        return
    ctx.answer_button(event.callback_id)
    await ctx.start_flow(STARTS[press.action], {"person": person.id, "name": name_of(person)})


async def menu_follows(ctx: Context, payload: dict[str, Any]) -> None:
    """A role taken away by ``tandem admin``: the running bot publishes the person's menu again."""
    ctx.menus.append(ctx.person)


FEATURE = Feature(
    "team",
    commands=(
        CommandEntry("team", team, N_("Mentors and coordinators: suspend, reinstate, remove"), COORDINATORS),
    ),
    buttons={PREFIX: pressed},
    jobs={MENU_JOB: menu_follows},
    flows=flows.FLOWS,
    help=(
        HelpLine(
            N_("/team – mentors and coordinators, to suspend or reinstate a mentor or remove a coordinator"),
            COORDINATORS,
        ),
    ),
)
