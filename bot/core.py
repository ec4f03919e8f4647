"""The core dispatcher: one transaction per inbound event, then delivery of what it wrote.

The table below is the whole routing: commands and button prefixes to what they start.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import timedelta
from weakref import WeakValueDictionary

from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot import escalation, metrics, reports
from bot.callbacks import prefix_of
from bot.clock import Clock
from bot.config import Settings
from bot.context import Context, translator_for
from bot.course import PREFIX as TRAINING_PREFIX
from bot.course import Training
from bot.events import (
    Attachment,
    ButtonPress,
    Command,
    Inbound,
    MemberBlocked,
    MemberUnblocked,
)
from bot.i18n import N_, Translator
from bot.matchmaking import CONTINUE as CONTINUE_PREFIX
from bot.matchmaking import END as END_PREFIX
from bot.matchmaking import PROPOSAL as PROPOSAL_PREFIX
from bot.matchmaking import Matchmaking
from bot.menus import menu
from bot.messenger import DeliveryError
from bot.postman import Postman
from bot.programme import GUARDIAN_PREFIX, REVOKE_PREFIX, Programme
from bot.rights import Rights
from bot.rules import ProgrammeRules
from bot.screening import PREFIX as SCREENING_PREFIX
from bot.screening import Screening
from bot.training import Courses, load_courses
from conversations import (
    checkin,
    concern,
    first_meeting,
    goals,
    learner,
    mentor,
    monitoring,
    progress,
    reflection,
)
from conversations import screening as screening_flows
from conversations import sessions as weekly
from conversations.engine import NUDGE_JOB, FlowEngine
from conversations.engine import PREFIX as FLOW_PREFIX
from conversations.flow import REVIEW
from conversations.welcome import NAME as WELCOME
from conversations.welcome import about
from storage.database import Database
from storage.models import DueJob, Person
from storage.repositories import UnitOfWork

log = logging.getLogger(__name__)

TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
TRANSIENT_RETRIES = 2

# Set by whoever must know when an event's effects are committed (the webhook answers Telegram
# then, and sends the replies after): the core sets the event once the transaction has ended.
COMMITTED: ContextVar[asyncio.Event | None] = ContextVar("tandem_committed", default=None)

HELP = N_(
    "I am Tandem, the companion of your mentoring programme.\n"
    "/start – begin or start again\n"
    "/back – go back one question\n"
    "/cancel – stop the current conversation\n"
    "/language – change the language\n"
    "/profile – what you told me, to change an answer\n"
    "/privacy – what is stored and who sees it\n"
    "/mydata – a copy of everything stored about you\n"
    "/pause and /resume – no messages for a while, and back\n"
    "/delete – delete everything stored about you\n"
    "/help – this message"
)
MENTOR_HELP = N_("For mentors:\n/training – the short mentor training, from where you stopped")
PAIR_HELP = N_(
    "/sessions – your next and last weekly sessions\n"
    "/goals – goals and next steps\n"
    "/progress – a chart of how things are going"
)
LEARNER_HELP = N_(
    "/journal – your reflections and goal history\n/areas – what your weekly check-in asks about"
)
CONCERN_HELP = N_("/concern – tell a coordinator about a worry (or tap the button below)")
COORDINATOR_HELP = N_(
    "For coordinators:\n"
    "/cases – open concerns, most urgent first; /case N – one with its log\n"
    "/invite learner, /invite mentor, /invite coordinator – an invite link with a QR code\n"
    "/invites – open invites, to withdraw one\n"
    "/guardians – learners under the consent age whose guardian has not been asked yet\n"
    "/screening – volunteer applications waiting for a decision\n"
    "/match – propose mentors for every waiting learner\n"
    "/pairs – the pairs now running, to end one\n"
    "/progress – a learner's check-in chart\n"
    "/unreachable – who has blocked Tandem\n"
    "/stats – the programme in a few figures\n"
    "/export – pairs, sessions, check-ins and concerns as CSV files, without names"
)

CONCURRENT_EVENTS = 8

Action = Callable[[Context, Inbound], Awaitable[None]]
JobAction = Callable[[Context, dict[str, object]], Awaitable[None]]


class Core:
    """Implements the adapters' ``EventSink``; also runs due-jobs for the scheduler."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        rules: ProgrammeRules,
        flows: FlowEngine,
        postman: Postman,
        courses: Courses | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.rules = rules
        self.flows = flows
        self.postman = postman
        self.programme = Programme(flows, settings.bot_username)
        self.rights = Rights(flows)
        self.courses = courses or load_courses()
        self.screening = Screening(flows, self.courses.size)
        self.training = Training(self.courses)
        self.matchmaking = Matchmaking()
        self.commands: dict[str, Action] = {
            "start": self._start,
            "cancel": self._cancel,
            "back": self._back,
            "help": self._help,
            "profile": self._profile,
            "guardians": self.programme.guardians,
            "screening": self.screening.waiting,
            "match": self.matchmaking.match,
            "pairs": self.matchmaking.pairs,
            "sessions": weekly.list_sessions,
            "goals": goals.command,
            "training": self.training.command,
            "privacy": self.rights.privacy,
            "mydata": self.rights.my_data,
            "delete": self.rights.delete,
            "language": self.rights.language,
            "pause": self.rights.pause,
            "resume": self.rights.resume,
            "invite": self.programme.invite,
            "invites": self.programme.list_invites,
            "unreachable": self.programme.unreachable,
            "areas": checkin.areas_command,
            "cases": escalation.cases,
            "case": escalation.case,
            "progress": progress.command,
            "journal": reflection.journal,
            "stats": reports.stats,
            "export": reports.export,
            "concern": concern.command,
        }
        self.buttons: dict[str, Action] = {
            FLOW_PREFIX: self._flow_button,
            REVOKE_PREFIX: self.programme.revoke_pressed,
            GUARDIAN_PREFIX: self.programme.guardian_pressed,
            SCREENING_PREFIX: self.screening.pressed,
            TRAINING_PREFIX: self.training.pressed,
            PROPOSAL_PREFIX: self.matchmaking.pressed,
            CONTINUE_PREFIX: self.matchmaking.continue_pressed,
            END_PREFIX: self.matchmaking.end_pressed,
            weekly.PREFIX: weekly.pressed,
            weekly.WEEKLY_PREFIX: weekly.weekly_calendar_pressed,
            escalation.PREFIX: escalation.pressed,
            goals.PREFIX: goals.pressed,
            progress.PREFIX: progress.pressed,
            concern.PREFIX: concern.pressed,
        }
        self.jobs: dict[str, JobAction] = {
            NUDGE_JOB: self.flows.nudge,
            screening_flows.INTERVIEW_JOB: screening_flows.remind_interview,
            screening_flows.CHECK_REMINDER_JOB: screening_flows.remind_check,
            screening_flows.CHECK_EXPIRED_JOB: screening_flows.check_expired,
            first_meeting.AFTER_JOB: first_meeting.ask_to_continue,
            weekly.JOB: weekly.send_due,
            checkin.JOB: checkin.ask_due,
            escalation.OVERDUE_JOB: escalation.overdue,
            escalation.FOLLOW_UP_JOB: escalation.follow_up,
            checkin.EXPIRE_JOB: checkin.expire,
            reflection.JOB: reflection.ask,
            monitoring.JOB: monitoring.ask,
        }
        # Buttons pressed in a group: only the coordinators' alerts (each press checks the role).
        self.group_buttons: dict[str, Action] = {escalation.PREFIX: escalation.pressed}
        self.handled: Counter[int] = Counter()
        self._changed = asyncio.Condition()
        self._chat_locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()
        # A few events at a time: enough to overlap one event's sending with another's
        # transaction; more only lengthens every transaction (they share one event loop).
        self._slots = asyncio.Semaphore(CONCURRENT_EVENTS)

    # --- EventSink -----------------------------------------------------------------------------

    async def handle(self, event: Inbound) -> None:
        lock = self._chat_locks.setdefault(event.chat_id, asyncio.Lock())
        started = time.perf_counter()
        try:
            async with lock, self._slots:  # one event per chat at a time, in arrival order
                await self._handle(event)
        finally:
            _committed()
            metrics.UPDATES.labels(type(event).__name__).inc()
            metrics.HANDLER_SECONDS.observe(time.perf_counter() - started)
            await self._mark_handled(event.update_id)

    async def ignore(self, update_id: int, kind: str) -> None:
        log.debug("ignored update %s (%s)", update_id, kind)
        _committed()
        metrics.UPDATES.labels("Ignored").inc()
        await self._mark_handled(update_id)

    async def wait_handled(self, update_id: int, times: int = 1) -> None:
        """For harnesses: wait until the update was handled ``times`` times in all."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.handled[update_id] >= times)

    async def _mark_handled(self, update_id: int) -> None:
        async with self._changed:
            self.handled[update_id] += 1
            self._changed.notify_all()

    async def _handle(self, event: Inbound) -> None:
        try:
            ctx = await self._in_transaction_retried(event)
        except IntegrityError:
            # This update_id was handled before (Telegram may deliver twice): effects exist once.
            log.info("duplicate update %s", event.update_id)
            metrics.DUPLICATE_UPDATES.inc()
            return
        except Exception:
            log.exception("update %s failed (%s)", event.update_id, type(event).__name__)
            metrics.FAILED_UPDATES.inc()
            ctx = await self._apologise(event)
        _committed()
        if ctx is not None:
            await self.postman.answer(ctx.answers)
            await self.postman.deliver(ctx.posted)
            await self._publish_menu(ctx, event)

    async def _publish_menu(self, ctx: Context, event: Inbound) -> None:
        """Someone's role or language changed: their own chat's menu follows (best effort)."""
        if event.chat_type != "private" or ctx.menu_before is None:
            return
        erased = inspect(ctx.person).was_deleted  # /delete: back to the default menu
        role = None if erased else ctx.person.role
        t = Translator(self.settings.default_locale, ctx.t.zone) if erased else self.translator(ctx.person)
        if (role, t.locale) == ctx.menu_before:
            return
        try:
            await self.postman.messenger.set_commands(menu(role, t), chat_id=event.chat_id, language=None)
        except DeliveryError as exc:
            log.warning("could not publish a chat's menu (%s)", type(exc).__name__)

    async def _in_transaction_retried(self, event: Inbound) -> Context | None:
        """The event's transaction; one the database aborted to break a deadlock or a
        serialisation conflict with another replica's (PostgreSQL) runs again from the start."""
        for attempt in range(1, TRANSIENT_RETRIES + 2):
            try:
                return await self._in_transaction(event)
            except DBAPIError as exc:
                if attempt > TRANSIENT_RETRIES or not transient(exc):
                    raise
                log.info(
                    "update %s: transaction aborted by the database, attempt %s", event.update_id, attempt
                )
        raise AssertionError("unreachable")

    async def _in_transaction(self, event: Inbound) -> Context | None:
        async with self.db.unit_of_work() as uow:
            await uow.lock_chat(event.chat_id)  # another replica may hold this chat's last event
            await uow.updates.record(event.update_id, self.clock.now())  # a duplicate raises
            person = await self._person(uow, event)
            ctx = self._context(uow, person, event.chat_id)
            ctx.menu_before = (person.role, ctx.t.locale)
            await self._route(ctx, event)
            await ctx.write_outbox()
            return ctx

    async def _apologise(self, event: Inbound) -> Context | None:
        """A bug stopped the event: keep it from being retried forever and tell the person."""
        try:
            async with self.db.unit_of_work() as uow:
                if not await uow.updates.seen(event.update_id):
                    await uow.updates.record(event.update_id, self.clock.now())
                person = await self._person(uow, event)
                ctx = self._context(uow, person, event.chat_id)
                if isinstance(event, ButtonPress):
                    ctx.answer_button(event.callback_id)
                await ctx.say(ctx.t(N_("Sorry, something went wrong on our side. Please try again.")))
                await ctx.write_outbox()
                return ctx
        except Exception:
            log.exception("could not record failed update %s", event.update_id)
            return None

    # --- people and contexts -----------------------------------------------------------------

    async def _person(self, uow: UnitOfWork, event: Inbound) -> Person:
        sender = event.sender
        now = self.clock.now()
        person = await uow.people.by_telegram_id(sender.user_id)
        if person is None:
            person = Person(
                telegram_user_id=sender.user_id,
                chat_id=sender.user_id,
                first_name=sender.first_name[:128],
                telegram_language=(sender.language_code or None),
                created_at=now,
                updated_at=now,
            )
            return await uow.people.add(person)
        if sender.language_code and sender.language_code != person.telegram_language:
            person.telegram_language = sender.language_code
        if sender.first_name and sender.first_name[:128] != person.first_name:
            person.first_name = sender.first_name[:128]
        return person

    def translator(self, person: Person) -> Translator:
        return translator_for(person, self.settings, self.rules)

    def _context(self, uow: UnitOfWork, person: Person, chat_id: int) -> Context:
        return Context(
            uow=uow,
            clock=self.clock,
            settings=self.settings,
            person=person,
            chat_id=chat_id,
            t=self.translator(person),
            rules=self.rules,
            flows=self.flows,
        )

    # --- routing -----------------------------------------------------------------------------

    async def _route(self, ctx: Context, event: Inbound) -> None:
        if isinstance(event, MemberBlocked):
            if event.chat_type == "private":
                ctx.person.unreachable_since = ctx.now
                await ctx.uow.outbox.drop_pending_for(event.chat_id)
            return
        if not ctx.person.reachable and event.chat_type == "private":
            ctx.person.unreachable_since = None  # they came back
        if isinstance(event, MemberUnblocked):
            return
        if event.chat_type != "private":
            await self._group(ctx, event)
            return
        if isinstance(event, Command):
            action = self.commands.get(event.name)
            await (action or self._unknown_command)(ctx, event)
            return
        if isinstance(event, ButtonPress):
            action = self.buttons.get(prefix_of(event.data))
            await (action or self._forged_button)(ctx, event)
            return
        state = await self.flows.active(ctx)
        if state is not None:
            await self.flows.on_input(ctx, state, event)
            return
        await self._no_conversation(ctx, event)

    async def _group(self, ctx: Context, event: Inbound) -> None:
        if isinstance(event, ButtonPress):
            action = self.group_buttons.get(prefix_of(event.data))
            await (action or self._forged_button)(ctx, event)
        elif isinstance(event, Command) and event.name in self.commands:
            await ctx.say(ctx.t(N_("Please write to me in a private chat: tap my name, then “Message”.")))

    async def _start(self, ctx: Context, event: Inbound) -> None:
        if isinstance(event, Command) and event.args.strip():
            await self.programme.join(ctx, event.args)
            return
        person = ctx.person
        if person.role == "learner" and person.consent_at is None:
            await self.flows.start(ctx, learner.NAME)  # consent first, then their answers
        elif person.role == "mentor" and person.screening is None:
            await self.flows.start(ctx, mentor.NAME)
        elif person.role == "coordinator":
            await self.flows.start(ctx, WELCOME, {"role": person.role}, at="language")
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
                programme=ctx.rules.name,
            )
            await ctx.say(hello + "\n" + about(ctx))
            await self.flows.start(ctx, WELCOME)

    async def _profile(self, ctx: Context, event: Inbound) -> None:
        """The end-of-onboarding summary again, with its "edit a field" buttons."""
        person = ctx.person
        if person.role == "learner" and person.consent_at is not None:
            await self.flows.start(ctx, learner.NAME, learner.answers_of(person), at=REVIEW)
        elif person.role == "mentor" and person.screening is not None:
            await self.flows.start(ctx, mentor.NAME, mentor.answers_of(person), at=REVIEW)
        elif person.role == "coordinator":
            await self.flows.start(ctx, WELCOME, {"role": person.role}, at="language")
        else:
            await ctx.say(ctx.t(N_("There is nothing in your profile yet. Send /start to begin.")))

    async def _cancel(self, ctx: Context, event: Inbound) -> None:
        if await self.flows.cancel(ctx):
            await ctx.say(ctx.t(N_("Okay, I stopped here. Send /start whenever you want to begin again.")))
        else:
            await ctx.say(ctx.t(N_("There is nothing to cancel right now.")))

    async def _back(self, ctx: Context, event: Inbound) -> None:
        if not await self.flows.back(ctx):
            await ctx.say(ctx.t(N_("There is no question to go back to. Send /start to begin.")))

    async def _help(self, ctx: Context, event: Inbound) -> None:
        text = ctx.t(HELP)
        if ctx.person.role == "coordinator":
            text += "\n" + ctx.t(COORDINATOR_HELP)
        elif ctx.person.role == "mentor":
            text += "\n" + ctx.t(MENTOR_HELP)
        if ctx.person.role in ("learner", "mentor"):
            text += "\n" + ctx.t(PAIR_HELP)
        if ctx.person.role == "learner":
            text += "\n" + ctx.t(LEARNER_HELP)
        if ctx.person.role in ("learner", "mentor"):
            text += "\n" + ctx.t(CONCERN_HELP)
        await ctx.say(text, concern.button(ctx))  # "I need help" / "I'm worried"

    async def _flow_button(self, ctx: Context, event: Inbound) -> None:
        assert isinstance(event, ButtonPress)
        await self.flows.on_press(ctx, event)

    async def _forged_button(self, ctx: Context, event: Inbound) -> None:
        assert isinstance(event, ButtonPress)
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))

    async def _unknown_command(self, ctx: Context, event: Inbound) -> None:
        assert isinstance(event, Command)
        await ctx.say(
            ctx.t(
                N_("I don't know the command /{command}. Send /help to see what I can do."),
                command=event.name[:32],
            )
        )

    async def _no_conversation(self, ctx: Context, event: Inbound) -> None:
        if isinstance(event, Attachment) and event.kind == "sticker":
            text = N_("Nice sticker! Send /start to begin, or /help to see what I can do.")
        else:
            text = N_(
                "I'm not expecting a message right now. Send /start to begin, or /help to see what I can do."
            )
        await ctx.say(ctx.t(text))

    # --- due-jobs ----------------------------------------------------------------------------

    async def run_job(self, job_id: int) -> None:
        """Run one due-job in its own transaction; a failure is retried later, then given up."""
        try:
            ctx = await self._job_in_transaction(job_id)
        except Exception:
            log.exception("job %s failed", job_id)
            await self._job_failed(job_id)
            return
        if ctx is not None:
            await self.postman.deliver(ctx.posted, urgent=False)

    async def _job_in_transaction(self, job_id: int) -> Context | None:
        async with self.db.unit_of_work() as uow:
            job = await uow.jobs.get(job_id)
            if job is None or job.status != "pending":
                return None
            person_id = job.payload.get("person_id")
            person = await uow.people.get(int(str(person_id))) if person_id is not None else None
            # The person's chat first, then the job (an event holding the chat may touch the
            # job): a chat busy on another replica leaves the job for a later tick.
            if person is not None and not await uow.try_lock_chat(person.chat_id):
                return None
            job = await uow.jobs.claim(job_id)  # None: done meanwhile, or another replica runs it
            if job is None:
                return None
            metrics.JOBS_RUN.inc()
            job.status, job.done_at = "done", self.clock.now()
            action = self.jobs.get(job.kind)
            if action is None or person is None:
                log.warning("job %s (%s) has no action or person; dropped", job.id, job.kind)
                job.status = "dropped"
                return None
            ctx = self._context(uow, person, person.chat_id)
            await action(ctx, job.payload)
            await ctx.write_outbox()
            return ctx

    async def _job_failed(self, job_id: int) -> None:
        async with self.db.unit_of_work() as uow:
            job: DueJob | None = await uow.jobs.get(job_id)
            if job is None:
                return
            job.attempts += 1
            job.status = "failed" if job.attempts >= 5 else "pending"
            job.due_at = self.clock.now() + timedelta(minutes=2**job.attempts)
            job.last_error = "exception (see log)"


def transient(exc: DBAPIError) -> bool:
    """PostgreSQL's deadlock_detected and serialization_failure: the transaction may succeed again."""
    return getattr(exc.orig, "sqlstate", None) in TRANSIENT_SQLSTATES


def _committed() -> None:
    signal = COMMITTED.get()
    if signal is not None:
        signal.set()
