"""Joining the programme and the coordinators' invite commands: /start CODE, /invite, /invites."""

from __future__ import annotations

from bot.context import Context
from bot.events import Button, ButtonPress, Command, Inbound
from bot.i18n import N_
from bot.services import invites
from bot.services.invites import Redemption
from conversations.engine import FlowEngine
from conversations.learner import NAME as LEARNER
from conversations.welcome import NAME as WELCOME
from storage.models import Invite

REVOKE_PREFIX = "iv1"  # version 1 of invite buttons: iv1:<invite id>
ROLE_NAMES = {
    "learner": N_("learner"),
    "mentor": N_("mentor"),
    "coordinator": N_("coordinator"),
}
REFUSALS = {
    Redemption.FORGED: N_(
        "This invite link is not valid. Please check that you opened the whole link, "
        "or ask your coordinator for a new one."
    ),
    Redemption.USED: N_("This invite link has already been used. Please ask your coordinator for a new one."),
    Redemption.EXPIRED: N_("This invite link has expired. Please ask your coordinator for a new one."),
    Redemption.REVOKED: N_("This invite link was withdrawn. Please ask your coordinator for a new one."),
}


class Programme:
    def __init__(self, flows: FlowEngine, bot_username: str | None = None) -> None:
        self.flows = flows
        # Known offline only from settings; replaced by getMe's answer when the bot starts.
        self.bot_username = bot_username or "your_bot"

    async def join(self, ctx: Context, code: str) -> None:
        """``/start CODE``: a good code gives its role; any other gets a clear answer and no role."""
        outcome, invite = await invites.redeem(ctx.uow, code.strip(), ctx.person, ctx.now)
        if outcome is Redemption.HAS_ROLE:
            role = ctx.t(ROLE_NAMES.get(ctx.person.role or "", N_("member")))
            await ctx.say(ctx.t(N_("You are already part of the programme as {role}."), role=role))
            return
        if outcome is not Redemption.OK or invite is None:
            await ctx.say(ctx.t(REFUSALS[outcome]))
            return
        if invite.role == "coordinator":
            await self.flows.cancel(ctx)  # a question left open from before would now be stale
            await ctx.say(ctx.t(COORDINATOR_WELCOME))
            return
        await ctx.say(ctx.t(N_("Welcome to the mentoring programme! A few questions first.")))
        if invite.role == "learner":
            await self.flows.start(ctx, LEARNER)
            return
        answers = {"role": invite.role, "invited": True}
        await self.flows.start(ctx, WELCOME, answers, at="language")

    async def invite(self, ctx: Context, event: Inbound) -> None:
        assert isinstance(event, Command)
        if not await self._coordinator(ctx):
            return
        request = invites.parse_request(event.args)
        if request is None:
            await ctx.say(ctx.t(INVITE_USAGE))
            return
        invite = await invites.create(ctx.uow, request, by=ctx.person, now=ctx.now)
        link = invites.deep_link(self.bot_username, invite.code)
        await ctx.send_document(
            f"invite-{invite.role}-{invite.id}.png",
            invites.qr_png(link),
            caption=self._describe(ctx, invite) + "\n" + link,
            photo=True,
        )

    async def list_invites(self, ctx: Context, event: Inbound) -> None:
        if not await self._coordinator(ctx):
            return
        open_invites = await ctx.uow.invites.open(ctx.now)
        if not open_invites:
            await ctx.say(ctx.t(N_("There are no open invites. Create one with /invite learner.")))
            return
        lines = [ctx.t(N_("Open invites (tap one to withdraw it):"))]
        buttons = []
        for invite in open_invites[:20]:
            lines.append(f"#{invite.id} · {self._describe(ctx, invite)}")
            label = ctx.t(N_("Withdraw #{number}"), number=invite.id)
            buttons.append((Button(label, data=f"{REVOKE_PREFIX}:{invite.id}"),))
        await ctx.say("\n".join(lines), tuple(buttons))

    async def revoke_pressed(self, ctx: Context, event: Inbound) -> None:
        assert isinstance(event, ButtonPress)
        parts = event.data.split(":")
        if ctx.person.role != "coordinator" or len(parts) != 2 or not parts[1].isdigit():
            ctx.answer_button(event.callback_id, ctx.t(N_("This button is not for you.")), alert=True)
            return
        invite = await invites.revoke(ctx.uow, int(parts[1]), ctx.now)
        if invite is None:
            ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
            return
        ctx.answer_button(event.callback_id, ctx.t(N_("Withdrawn.")))
        await ctx.say(ctx.t(N_("Invite #{number} is withdrawn; its link no longer works."), number=invite.id))

    async def unreachable(self, ctx: Context, event: Inbound) -> None:
        """Who blocked the bot: coordinators need to reach them another way."""
        if not await self._coordinator(ctx):
            return
        people = await ctx.uow.people.unreachable()
        if not people:
            await ctx.say(ctx.t(N_("Everyone in the programme can be reached.")))
            return
        count = len(people)
        lines = [ctx.t.plural("{n} person has blocked Tandem:", "{n} people have blocked Tandem:", count)]
        for person in people[:50]:
            since = person.unreachable_since
            name = person.preferred_name or person.first_name
            role = ctx.t(ROLE_NAMES.get(person.role or "", N_("member")))
            when = ctx.t.date(since) if since else ""
            lines.append(ctx.t(N_("{name} ({role}), since {date}"), name=name, role=role, date=when))
        await ctx.say("\n".join(lines))

    async def _coordinator(self, ctx: Context) -> bool:
        if ctx.person.role == "coordinator":
            return True
        await ctx.say(ctx.t(N_("Only coordinators can use this command.")))
        return False

    def _describe(self, ctx: Context, invite: Invite) -> str:
        role = ctx.t(ROLE_NAMES[invite.role])
        where = ", ".join(part for part in (invite.school, invite.cohort) if part)
        if invite.max_uses == 1:
            text = ctx.t(N_("Invite for one {role}"), role=role)
        else:
            text = ctx.t(N_("Invite for any number of people as {role}"), role=role)
        if where:
            text += f" ({where})"
        if invite.expires_at is not None:
            text += " · " + ctx.t(N_("valid until {date}"), date=ctx.t.date(invite.expires_at))
        return text


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
