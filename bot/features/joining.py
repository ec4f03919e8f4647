"""Joining the programme: /start (with an invite code or without), the coordinators' invites,
the guardians' consent for learners under the consent age, and who has blocked Tandem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.callbacks import Callback, pack
from bot.context import Context
from bot.events import Button, ButtonPress, Command, Inbound
from bot.feature import COORDINATORS, EVERYONE, CommandEntry, Entry, Feature, HelpLine, Listing, staff_press
from bot.i18n import N_
from bot.services import areas, invites, paging
from bot.services.invites import Redemption
from conversations.learner import LEARNER, age_label, is_minor
from conversations.learner import NAME as LEARNER_FLOW
from conversations.mentor import MENTOR
from conversations.mentor import NAME as MENTOR_FLOW
from conversations.welcome import NAME as WELCOME
from conversations.welcome import WELCOME as WELCOME_FLOW
from conversations.welcome import about
from storage.models import Invite, Person

REVOKE_PREFIX = "iv1"  # version 1 of invite buttons: iv1:<invite id>
GUARDIAN_PREFIX = "gd1"  # a guardian's decision: gd1:<learner id>:yes|no
ROLE_NAMES = {
    "learner": N_("learner"),
    "mentor": N_("mentor"),
    "coordinator": N_("coordinator"),
}
MEMBER = N_("member")  # someone whose role is not known (any more)
REFUSALS = {
    Redemption.FORGED: N_(
        "This invite link is not valid. Please check that you opened the whole link, "
        "or ask your coordinator for a new one."
    ),
    Redemption.USED: N_("This invite link has already been used. Please ask your coordinator for a new one."),
    Redemption.EXPIRED: N_("This invite link has expired. Please ask your coordinator for a new one."),
    Redemption.REVOKED: N_("This invite link was withdrawn. Please ask your coordinator for a new one."),
}


@dataclass(frozen=True)
class Withdraw(Callback, prefix=REVOKE_PREFIX):
    invite: int


@dataclass(frozen=True)
class GuardianSaid(Callback, prefix=GUARDIAN_PREFIX):
    learner: int
    said: Literal["yes", "no"]


async def start(ctx: Context, event: Inbound) -> None:
    """``/start``: joining with a code, else onboarding where it stopped, else a hello."""
    if isinstance(event, Command) and event.args.strip():
        await join(ctx, event.args)
        return
    person = ctx.person
    if person.role == "learner" and person.consent_at is None:
        await ctx.engine.start(ctx, LEARNER_FLOW)  # consent first, then their answers
    elif person.role == "mentor" and person.screening is None:
        await ctx.engine.start(ctx, MENTOR_FLOW)
    elif person.role == "coordinator":
        await ctx.engine.start(ctx, WELCOME, {"role": person.role}, at="language")
    elif person.role is not None:
        name = person.preferred_name or person.first_name
        text = N_(
            "Hello {name}! You are already part of the programme. /profile shows what you told me, "
            "/help what I can do."
        )
        await ctx.say(ctx.t(text, name=name))
    else:
        hello = ctx.t(
            N_("Hello {name}! I am Tandem, the companion of {programme}."),
            name=person.first_name,
            programme=ctx.programme,
        )
        await ctx.say(hello + "\n" + about(ctx))
        await ctx.engine.start(ctx, WELCOME)


async def join(ctx: Context, code: str) -> None:
    """``/start CODE``: a good code gives its role; any other gets a clear answer and no role."""
    outcome, invite = await invites.redeem(ctx.uow, code.strip(), ctx.person, ctx.now)
    if outcome is Redemption.HAS_ROLE:
        role = ctx.t(ROLE_NAMES.get(ctx.person.role or "", MEMBER))
        await ctx.say(ctx.t(N_("You are already part of the programme as {role}."), role=role))
        return
    if outcome is not Redemption.OK or invite is None:
        await ctx.say(ctx.t(REFUSALS[outcome]))
        return
    if invite.role == "coordinator":
        await ctx.engine.cancel(ctx)  # a question left open from before would now be stale
        await ctx.say(ctx.t(COORDINATOR_WELCOME))
        return
    await ctx.say(ctx.t(N_("Welcome to {programme}! A few questions first."), programme=ctx.programme))
    await ctx.engine.start(ctx, LEARNER_FLOW if invite.role == "learner" else MENTOR_FLOW)


async def invite(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, Command)
    if not await _coordinator(ctx):
        return
    request = invites.parse_request(event.args)
    if request is None:
        await ctx.say(ctx.t(INVITE_USAGE))
        return
    area = areas.invite_area(ctx.rules, ctx.person, request.role, request.area)
    if area is None:
        await ctx.say(ctx.t(NOT_YOUR_AREA, areas=", ".join(areas.invitable(ctx.rules, ctx.person))))
        return
    invite = await invites.create(ctx.uow, request, by=ctx.person, now=ctx.now, area=area)
    link = invites.deep_link(ctx.settings.bot_username or "your_bot", invite.code)
    await ctx.send_document(
        f"invite-{invite.role}-{invite.id}.png",
        invites.qr_png(link),
        caption=_describe(ctx, invite) + "\n" + link,
        photo=True,
    )


async def list_invites(ctx: Context, event: Inbound) -> None:
    if not await _coordinator(ctx):
        return
    await paging.show(ctx, OPEN_INVITES)


async def _open_invites(ctx: Context) -> list[Invite]:
    return list(await ctx.uow.invites.open(ctx.now, areas.scope_of(ctx.rules, ctx.person)))


async def _invite_entry(ctx: Context, invite: Invite) -> Entry:
    label = ctx.t(N_("Withdraw #{number}"), number=invite.id)
    return Entry(
        f"#{invite.id} · {_describe(ctx, invite)}", ((Button(label, data=pack(Withdraw(invite.id))),),)
    )


async def revoke_pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, Withdraw)
    if press is None:
        return
    mine = areas.sees_invite(ctx.rules, ctx.person, await ctx.uow.invites.get(press.invite))
    invite = await invites.revoke(ctx.uow, press.invite, ctx.now) if mine else None
    if invite is None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return
    ctx.answer_button(event.callback_id, ctx.t(N_("Withdrawn.")))
    await ctx.say(ctx.t(N_("Invite #{number} is withdrawn; its link no longer works."), number=invite.id))


async def unreachable(ctx: Context, event: Inbound) -> None:
    """Who blocked the bot: coordinators need to reach them another way."""
    if not await _coordinator(ctx):
        return
    await paging.show(ctx, UNREACHABLE)


async def _unreachable(ctx: Context) -> list[Person]:
    return list(await ctx.uow.people.unreachable(areas.scope_of(ctx.rules, ctx.person)))


async def _unreachable_entry(ctx: Context, person: Person) -> Entry:
    since = person.unreachable_since
    name = person.preferred_name or person.first_name
    role = ctx.t(ROLE_NAMES.get(person.role or "", MEMBER))
    when = ctx.t.date(since) if since else ""
    return Entry(ctx.t(N_("{name} ({role}), since {date}"), name=name, role=role, date=when))


async def guardians(ctx: Context, event: Inbound) -> None:
    """Learners under the consent age waiting for their guardian's agreement, with whom to call:
    one a page, with the buttons to record what the guardian said."""
    if not await _coordinator(ctx):
        return
    await paging.show(ctx, GUARDIANS)


async def _waiting_for_guardians(ctx: Context) -> list[Person]:
    return list(await ctx.uow.people.guardians_pending(areas.scope_of(ctx.rules, ctx.person)))


async def _guardian_entry(ctx: Context, learner: Person) -> Entry:
    text = ctx.t(
        N_("{learner}, since {date}\nGuardian: {guardian}, {contact}"),
        learner=learner.preferred_name or learner.first_name,
        date=ctx.t.date(learner.updated_at),
        guardian=learner.guardian_name or "",
        contact=learner.guardian_contact or "",
    )
    text += "".join("\n" + line for line in _since_asked(ctx, learner))
    buttons = (
        (
            Button(ctx.t(N_("Guardian agreed")), data=pack(GuardianSaid(learner.id, "yes"))),
            Button(ctx.t(N_("Guardian said no")), data=pack(GuardianSaid(learner.id, "no"))),
        ),
    )
    return Entry(text, buttons)


async def guardian_pressed(ctx: Context, event: Inbound) -> None:
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, GuardianSaid)
    if press is None:
        return
    learner = await ctx.uow.people.get(press.learner)
    if not areas.sees_person(ctx.rules, ctx.person, learner):
        learner = None  # another area's: as if there were none
    if learner is None or learner.guardian_status not in TO_DECIDE:
        ctx.answer_button(event.callback_id, ctx.t(N_("This was already decided.")))
        if event.message_id is not None:
            await ctx.edit_keyboard(event.message_id, None)
        return
    agreed = press.said == "yes"
    learner.guardian_status = "confirmed" if agreed else "refused"
    learner.guardian_confirmed_at = ctx.now if agreed else None
    await ctx.uow.audit.record(ctx.now, ctx.person, "guardian." + learner.guardian_status, learner)
    ctx.answer_button(event.callback_id, ctx.t(N_("Noted.")))
    name = learner.preferred_name or learner.first_name
    coordinator = ctx.person.preferred_name or ctx.person.first_name
    note = GUARDIAN_NOTES[agreed]
    if event.message_id is not None:
        await ctx.edit(event.message_id, ctx.t(note, learner=name, coordinator=coordinator))
    told = ctx.translator_for(learner)(GUARDIAN_TOLD[agreed], name=name)
    await ctx.say_to(learner.chat_id, told)


def _since_asked(ctx: Context, learner: Person) -> list[str]:
    """What changed that the coordinator should know before calling: an earlier "no", and an
    age the learner changed to one at or over the consent age."""
    lines = [ctx.t(REFUSED_BEFORE)] if learner.guardian_status == "recheck" else []
    profile = learner.profile or {}
    if profile.get("age") and not is_minor(profile):
        lines.append(ctx.t(N_("Age now: {band}"), band=age_label(ctx, profile["age"])))
    return lines


async def _coordinator(ctx: Context) -> bool:
    if ctx.person.role == "coordinator":
        return True
    await ctx.say(ctx.t(N_("Only coordinators can use this command.")))
    return False


def _area_names(ctx: Context, stored: str) -> str:
    if stored == areas.ALL:
        return ctx.t(ALL_AREAS)
    return ", ".join(areas.name(ctx.rules, ctx.rules.home_area(a), ctx.t.locale) for a in stored.split(","))


def _describe(ctx: Context, invite: Invite) -> str:
    role = ctx.t(ROLE_NAMES[invite.role])
    where = ", ".join(part for part in (invite.school, invite.cohort) if part)
    if invite.max_uses == 1:
        text = ctx.t(N_("Invite for one {role}"), role=role)
    else:
        text = ctx.t(N_("Invite for any number of people as {role}"), role=role)
    if ctx.rules.has_areas:
        where = ", ".join(part for part in (_area_names(ctx, invite.area), where) if part)
    if where:
        text += f" ({where})"
    if invite.expires_at is not None:
        text += " · " + ctx.t(N_("valid until {date}"), date=ctx.t.date(invite.expires_at))
    return text


NOT_YOUR_AREA = N_(
    "You can invite people into these areas only: {areas}. Add “area=ID”, for example area=lyon."
)
ALL_AREAS = N_("all areas")
COORDINATOR_WELCOME = N_(
    "Welcome! You are now a coordinator of the programme.\n"
    "/invite learner – an invite link and QR code for a learner\n"
    "/invite mentor – the same for a volunteer mentor\n"
    "/invite coordinator – for another coordinator\n"
    "Add “multi” for a link many people can use, and “school=NAME” or “cohort=NAME” "
    "to note where it goes.\n"
    "/invites – the open invites, to withdraw one\n"
    "/unreachable – who has blocked Tandem"
)
INVITE_USAGE = N_(
    "Whom do you want to invite? For example:\n"
    "/invite learner\n"
    "/invite learner multi school=Berufsschule Nord cohort=2026\n"
    "/invite mentor\n"
    "/invite coordinator"
)
TO_DECIDE = ("pending", "recheck")  # a guardian's answer a coordinator may record
REFUSED_BEFORE = N_("The guardian had said no before; the learner has changed their answers since.")
GUARDIAN_NOTES = {
    True: N_("{learner}: the guardian agreed. Noted by {coordinator}."),
    False: N_("{learner}: the guardian did not agree. Noted by {coordinator}."),
}
GUARDIAN_TOLD = {
    True: N_(
        "Good news, {name}: your guardian agreed. Your coordinator is now looking for a mentor who fits you."
    ),
    False: N_(
        "{name}, your guardian did not agree to you taking part for now. Your coordinator will "
        "talk to you about what is possible."
    ),
}


OPEN_INVITES = Listing(
    "invites",
    N_("Open invites"),
    N_("There are no open invites. Create one with /invite learner."),
    _open_invites,
    _invite_entry,
    per_page=10,
)
UNREACHABLE = Listing(
    "unreachable",
    N_("People who blocked Tandem"),
    N_("Everyone in the programme can be reached."),
    _unreachable,
    _unreachable_entry,
    per_page=30,
)
GUARDIANS = Listing(
    "guardians",
    N_("Waiting for a guardian's consent"),
    N_("No learner is waiting for a guardian's consent."),
    _waiting_for_guardians,
    _guardian_entry,
    per_page=1,
)


FEATURE = Feature(
    "joining",
    commands=(
        CommandEntry("start", start, N_("Begin or start again"), EVERYONE),
        CommandEntry("invite", invite, N_("An invite link with a QR code"), COORDINATORS),
        CommandEntry("invites", list_invites, N_("Open invites, to withdraw one"), COORDINATORS),
        CommandEntry("guardians", guardians, N_("Guardians' consent to record"), COORDINATORS),
        CommandEntry("unreachable", unreachable, N_("Who has blocked Tandem"), COORDINATORS),
    ),
    buttons={REVOKE_PREFIX: revoke_pressed, GUARDIAN_PREFIX: guardian_pressed},
    flows=(WELCOME_FLOW, LEARNER, MENTOR),
    lists=(OPEN_INVITES, UNREACHABLE, GUARDIANS),
    help=(
        HelpLine(N_("/start – begin or start again"), EVERYONE),
        HelpLine(
            N_("/invite learner, /invite mentor, /invite coordinator – an invite link with a QR code"),
            COORDINATORS,
        ),
        HelpLine(N_("/invites – open invites, to withdraw one"), COORDINATORS),
        HelpLine(
            N_("/guardians – learners under the consent age whose guardian has not been asked yet"),
            COORDINATORS,
        ),
        HelpLine(N_("/unreachable – who has blocked Tandem"), COORDINATORS),
    ),
)
