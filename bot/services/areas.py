"""Areas: which part of the programme a person belongs to, and what a coordinator may see.

A programme file may list areas (``[[areas]]``); one that lists none has one, ``main``, and every
coordinator sees all of it, as before areas existed. A learner, mentor or invite belongs to one
area (``Person.area``); a coordinator to one or more (comma-separated) or to all (``*``: a
programme lead). An area id the programme no longer lists counts as its default (first) area, so
data recorded before areas were listed stays visible to that area's coordinators.

This is the one place that answers "may this coordinator see that?": chat commands, buttons,
alerts and the web console all ask it. Its API:

- ``scope_of(rules, coordinator)``: the areas a coordinator sees, as an ``AreaScope`` the
  repositories filter by (``None``: everything, a lead or a programme without areas);
- ``sees(rules, coordinator, area)``, ``sees_person``, ``sees_pair``, ``sees_concern``: one
  object, checked again on every press;
- ``visible(rules, coordinator, people)``: a list cut to what the coordinator may see;
- ``area_of(rules, person)``, ``area_of_pair``, ``area_of_concern``: where an alert about it goes;
- ``grantable(rules, coordinator, typed)``: the area a coordinator may invite someone into.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.rules import ProgrammeRules
from storage.models import Concern, Invite, Pair, Person
from storage.repositories import AreaScope, UnitOfWork

ALL = "*"


def ids(rules: ProgrammeRules) -> tuple[str, ...]:
    """The programme's area ids, the default first."""
    return rules.area_ids


def normal(rules: ProgrammeRules, area: str | None) -> str:
    """One stored area id as the programme knows it: an id it does not list is its default."""
    return rules.home_area(area)


def areas_of_coordinator(rules: ProgrammeRules, person: Person) -> frozenset[str] | None:
    """The areas a coordinator sees; None: all of them (a lead, or a programme without areas)."""
    return rules.coordinated(person.area)


def scope_of(rules: ProgrammeRules, coordinator: Person) -> AreaScope | None:
    """What the repositories filter a coordinator's reads by (None: nothing filtered)."""
    seen = areas_of_coordinator(rules, coordinator)
    if seen is None:
        return None
    known = ids(rules)
    return AreaScope(ids=seen, strays=known[0] in seen, known=frozenset(known))


def is_lead(rules: ProgrammeRules, coordinator: Person) -> bool:
    return coordinator.role == "coordinator" and areas_of_coordinator(rules, coordinator) is None


def sees(rules: ProgrammeRules, coordinator: Person, area: str | None) -> bool:
    return rules.coordinates(coordinator.area, area)


def area_of(rules: ProgrammeRules, person: Person) -> str:
    """A learner's or mentor's area (a coordinator's first one)."""
    return rules.home_area(person.area)


def sees_person(rules: ProgrammeRules, coordinator: Person, person: Person | None) -> bool:
    """A learner or mentor in the coordinator's areas; another coordinator when they share one."""
    if person is None:
        return False
    if person.role != "coordinator":
        return sees(rules, coordinator, person.area)
    theirs = areas_of_coordinator(rules, person)
    mine = areas_of_coordinator(rules, coordinator)
    return mine is None or (theirs is not None and bool(theirs & mine))


def visible(rules: ProgrammeRules, coordinator: Person, people: Iterable[Person]) -> list[Person]:
    return [p for p in people if sees_person(rules, coordinator, p)]


async def area_of_pair(uow: UnitOfWork, rules: ProgrammeRules, pair: Pair) -> str:
    """A pair belongs to its learner's area (its mentor may serve several, online)."""
    learner = await uow.people.get(pair.learner_id)
    return area_of(rules, learner) if learner is not None else ids(rules)[0]


async def sees_pair(uow: UnitOfWork, rules: ProgrammeRules, coordinator: Person, pair: Pair | None) -> bool:
    if pair is None:
        return False
    return sees(rules, coordinator, await area_of_pair(uow, rules, pair))


async def area_of_concern(uow: UnitOfWork, rules: ProgrammeRules, concern: Concern) -> str:
    """A case belongs to its pair's area, else its subject's, else whoever raised it."""
    if concern.pair_id is not None and (pair := await uow.pairs.get(concern.pair_id)) is not None:
        return await area_of_pair(uow, rules, pair)
    person_id = concern.subject_id if concern.subject_id is not None else concern.raised_by
    person = await uow.people.get(person_id) if person_id is not None else None
    return area_of(rules, person) if person is not None else ids(rules)[0]


async def sees_concern(
    uow: UnitOfWork, rules: ProgrammeRules, coordinator: Person, concern: Concern | None
) -> bool:
    if concern is None:
        return False
    return sees(rules, coordinator, await area_of_concern(uow, rules, concern))


def sees_invite(rules: ProgrammeRules, coordinator: Person, invite: Invite | None) -> bool:
    if invite is None:
        return False
    if invite.role == "coordinator":
        return is_lead(rules, coordinator) or (
            invite.area != ALL and all(sees(rules, coordinator, a) for a in invite.area.split(","))
        )
    return sees(rules, coordinator, invite.area)


def grantable(rules: ProgrammeRules, coordinator: Person | None, typed: str | None) -> str | None:
    """The area an invite by ``coordinator`` puts someone in: ``typed`` (ids, comma-separated, or
    ``*``) when they may give it; without one, their own first area (a lead: the default area, and
    a coordinator invited by a lead sees all). None: an area they may not invite into, or unknown.
    ``coordinator`` None is the operator (``tandem admin``), who may give any."""
    if typed is None:
        if coordinator is None or areas_of_coordinator(rules, coordinator) is None:
            return None
        return area_of(rules, coordinator)
    wanted = [a.strip().lower() for a in typed.split(",") if a.strip()]
    if wanted == [ALL]:
        return ALL if coordinator is None or is_lead(rules, coordinator) else None
    if not wanted or any(a not in ids(rules) for a in wanted):
        return None
    if coordinator is not None and not all(sees(rules, coordinator, a) for a in wanted):
        return None
    return ",".join(dict.fromkeys(wanted))


def invite_area(
    rules: ProgrammeRules, coordinator: Person | None, role: str, typed: str | None
) -> str | None:
    """The area to record on a new invite of ``role``; None: refused (see ``grantable``)."""
    area = grantable(rules, coordinator, typed)
    if typed is None and area is None:  # a lead (or the operator) named none
        return ALL if role == "coordinator" else ids(rules)[0]
    if area == ALL and role != "coordinator":
        return None
    if area is not None and role != "coordinator" and "," in area:
        return None
    return area


def name(rules: ProgrammeRules, area: str, locale: str) -> str:
    """An area's name in the reader's language (its id when the programme lists none)."""
    listed = rules.area(area)
    return listed.label(locale) if listed is not None else area


def group_scope(rules: ProgrammeRules, coordinator: Person, typed: str | None) -> str | None:
    """Whose coordinators' group ``/setup [area]`` makes a group: "" the whole programme's (a
    lead naming none, or a programme without areas), else an area's id; None: not theirs."""
    if not rules.has_areas:
        return ""
    if typed is None:
        return "" if is_lead(rules, coordinator) else area_of(rules, coordinator)
    return typed if typed in rules.area_ids and sees(rules, coordinator, typed) else None


def invitable(rules: ProgrammeRules, coordinator: Person) -> list[str]:
    """The area ids a coordinator may invite people into."""
    return [a for a in rules.area_ids if sees(rules, coordinator, a)]


def serving(rules: ProgrammeRules, coordinator: Person, mentors: Iterable[Person]) -> list[Person]:
    """The ready mentors a coordinator's /match may propose: those of their areas, and anyone's
    who meets online only (they may serve any area)."""
    return [m for m in mentors if sees(rules, coordinator, m.area) or online_only(m)]


def online_only(mentor: Person) -> bool:
    return str((mentor.profile or {}).get("travel") or "") == "online"


def may_serve(rules: ProgrammeRules, mentor: Person, learner: Person, online: bool | None = None) -> bool:
    """Whether matching per area may pair them: the same area, or a mentor who meets online only."""
    online = online_only(mentor) if online is None else online
    return online or area_of(rules, mentor) == area_of(rules, learner)


def belongs(rules: ProgrammeRules, person: Person, area: str) -> bool:
    """Whether someone is of ``area``: a learner's or mentor's own, a coordinator who sees it."""
    if person.role == "coordinator":
        return sees(rules, person, area)
    return area_of(rules, person) == area
