"""The dispatcher: one transaction per inbound event, then delivery of what it wrote.

What a command, a button or a due job runs comes from the features' records, merged into
``Routes`` by the composition root; ``tandem routes`` prints the merged table.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import TypeVar
from weakref import WeakValueDictionary

from sqlalchemy import inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from bot.adapter import recorded
from bot.callbacks import prefix_of
from bot.clock import Clock
from bot.config import Settings
from bot.context import Context, coordinators_chat, translator_for
from bot.events import (
    Attachment,
    ButtonPress,
    ChatMigrated,
    Command,
    Inbound,
    MemberBlocked,
    MembersChanged,
    MemberUnblocked,
    Outbound,
)
from bot.feature import menu
from bot.i18n import N_, Translator
from bot.messenger import DeliveryError
from bot.rules import ProgrammeRules
from bot.runtime import metrics
from bot.runtime.logs import failure
from bot.runtime.postman import Postman
from bot.runtime.routes import Routes
from bot.services import consent, coordination, group_watch
from conversations.engine import FlowEngine
from storage.database import Database
from storage.models import DueJob, Person
from storage.repositories import UnitOfWork

log = logging.getLogger(__name__)

# deadlock_detected and serialization_failure; and a unique or foreign-key violation, which on
# PostgreSQL comes of a concurrent transaction (a row it inserted or deleted first): run again, the
# transaction reads that row (on SQLite, one transaction at a time, it is a bug: no sqlstate).
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001", "23505", "23503"})
TRANSIENT_RETRIES = 2

CONCURRENT_EVENTS = 8
Result = TypeVar("Result")


class AlreadyHandled(Exception):
    """The update's id was claimed before: its effects exist and are not made again."""


class Dispatcher:
    """Implements the adapters' ``EventSink``; also runs due-jobs for the scheduler."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        rules: ProgrammeRules,
        postman: Postman,
        routes: Routes,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings
        self.rules = rules
        self.postman = postman
        self.routes = routes
        self.flows = FlowEngine(routes.flows)
        self.handled: Counter[int] = Counter()
        self._waiting: dict[int, list[tuple[int, asyncio.Future[None]]]] = {}  # wait_handled's
        self._chat_locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()
        # A few events at a time: enough to overlap one event's sending with another's
        # transaction; more only lengthens every transaction (they share one event loop).
        self._slots = asyncio.Semaphore(CONCURRENT_EVENTS)

    # --- EventSink -----------------------------------------------------------------------------

    async def handle(self, event: Inbound) -> None:
        # A bot account, or a message sent as a chat: no person. Who joined or left a group
        # matters whoever let them in (an anonymous admin too), and makes nobody a person.
        if not event.sender.is_person and not isinstance(event, MembersChanged | ChatMigrated):
            await self.ignore(event.update_id, "not_a_person")
            return
        lock = self._chat_locks.setdefault(event.chat_id, asyncio.Lock())
        started = time.perf_counter()
        try:
            async with lock, self._slots:  # one event per chat at a time, in arrival order
                recount = await self._handle(event)
            for group in dict.fromkeys(recount):
                await self.census(group)
        finally:
            metrics.UPDATES.labels(type(event).__name__).inc()
            metrics.HANDLER_SECONDS.observe(time.perf_counter() - started)
            self._mark_handled(event.update_id)

    async def ignore(self, update_id: int, kind: str) -> None:
        log.debug("ignored update %s (%s)", update_id, kind)
        recorded()
        metrics.UPDATES.labels("Ignored").inc()
        self._mark_handled(update_id)

    async def wait_handled(self, update_id: int, times: int = 1) -> None:
        """For harnesses: wait until the update was handled ``times`` times in all."""
        if self.handled[update_id] >= times:
            return
        done = asyncio.get_running_loop().create_future()
        waiting = self._waiting.setdefault(update_id, [])
        waiting.append((times, done))
        try:
            await done
        finally:
            if (times, done) in waiting:  # cancelled, or timed out
                waiting.remove((times, done))
            if not waiting:
                self._waiting.pop(update_id, None)

    def _mark_handled(self, update_id: int) -> None:
        """Count the update, and wake who waits for it: only them, so that a harness with many
        people waiting at once costs the same per update as with one."""
        self.handled[update_id] += 1
        for times, done in self._waiting.get(update_id, ()):
            if times <= self.handled[update_id] and not done.done():
                done.set_result(None)

    async def _handle(self, event: Inbound) -> list[int]:
        """The event's transaction and delivery; the groups to count again once done."""
        try:
            ctx = await self._retried(lambda: self._in_transaction(event), f"update {event.update_id}")
        except AlreadyHandled:
            # Telegram may deliver an update twice, or a crash re-fetch it: effects exist once.
            log.info("duplicate update %s", event.update_id)
            metrics.DUPLICATE_UPDATES.inc()
            recorded()
            return []
        except Exception as exc:
            failure(log, exc, "update %s failed (%s)", event.update_id, type(event).__name__)
            metrics.FAILED_UPDATES.inc()
            # says recorded once the failure is (a member change is fetched again instead)
            ctx = None if isinstance(event, MembersChanged | ChatMigrated) else await self._apologise(event)
        else:
            recorded()
        if ctx is None:
            return []
        await self.postman.answer(ctx.answers)
        await self.postman.deliver(ctx.posted, reply_to=event.chat_id, relayed=ctx.relayed)
        await self._publish_menu(ctx, event)
        if ctx.erased:
            await self.db.wipe_log()
        return ctx.census

    async def _publish_menu(self, ctx: Context, event: Inbound) -> None:
        """Someone's role or language changed: their own chat's menu follows (best effort)."""
        await self._publish_others(ctx)
        if event.chat_type != "private" or ctx.menu_before is None:
            return
        erased = inspect(ctx.person).was_deleted  # /delete: back to the default menu
        role = None if erased else ctx.person.role
        t = Translator(self.settings.default_locale, ctx.t.zone) if erased else self.translator(ctx.person)
        if (role, t.locale) == ctx.menu_before:
            return
        await self._set_menu(event.chat_id, role, t)

    async def _publish_others(self, ctx: Context) -> None:
        """The menus of the others whose role the event or job changed."""
        for person in ctx.menus:
            await self._set_menu(person.chat_id, person.role, self.translator(person))

    async def _set_menu(self, chat_id: int, role: str | None, t: Translator) -> None:
        try:
            commands = menu(self.routes.features, role, t)
            await self.postman.messenger.set_commands(commands, chat_id=chat_id, language=None)
        except DeliveryError as exc:
            log.warning("could not publish a chat's menu (%s)", type(exc).__name__)

    async def _retried(self, run: Callable[[], Awaitable[Result]], what: str) -> Result:
        """An event's or a job's transaction; one that lost to a concurrent one (a deadlock
        between two decisions' locks, say) runs again from the start, and then reads what the
        other committed."""
        for attempt in range(1, TRANSIENT_RETRIES + 2):
            try:
                return await run()
            except (DBAPIError, StaleDataError) as exc:
                if attempt > TRANSIENT_RETRIES or not self._lost_to_another(exc):
                    raise
                log.info("%s: lost to a concurrent one (%s), attempt %s", what, conflict(exc), attempt)
        raise AssertionError("unreachable")

    def _lost_to_another(self, exc: DBAPIError | StaleDataError) -> bool:
        """PostgreSQL aborted the transaction (``TRANSIENT_SQLSTATES``), or a row it updates was
        deleted by another meanwhile (someone's conversation, which a person leaving ends while
        they answer it). On SQLite, one transaction at a time, neither comes of a concurrent one."""
        if isinstance(exc, StaleDataError):
            return not self.db.is_sqlite
        return sqlstate(exc) in TRANSIENT_SQLSTATES

    async def _in_transaction(self, event: Inbound) -> Context | None:
        async with self.db.unit_of_work() as uow:
            await uow.lock_chat(event.chat_id)  # another replica may hold this chat's last event
            if not await uow.updates.claim(event.update_id, self.clock.now()):
                raise AlreadyHandled(event.update_id)  # rolls back what the unit of work began
            if isinstance(event, MembersChanged | ChatMigrated):  # about a group, nobody's own
                ctx = self.programme_context(uow)
                if isinstance(event, ChatMigrated):
                    await coordination.group_migrated(ctx, event.chat_id, event.to_chat_id)
                elif event.chat_id == await ctx.coordinators_chat():
                    await group_watch.members_changed(ctx, event)
                await ctx.write_outbox()
                return ctx
            person = await self._person(uow, event)
            ctx = self._context(uow, person, event.chat_id)
            ctx.menu_before = (person.role, ctx.t.locale)
            ctx.actor_id = person.id
            await self._route(ctx, event)
            if ctx.erased or ctx.menus or person.role != ctx.menu_before[0]:
                await group_watch.review(ctx)  # a coordinator more or fewer: who reads the group?
            await ctx.write_outbox()
            return ctx

    async def _apologise(self, event: Inbound) -> Context | None:
        """A bug stopped the event: record it, so that it is not retried forever, and tell the person."""
        try:
            async with self.db.unit_of_work() as uow:
                await uow.updates.claim(event.update_id, self.clock.now())
                person = await self._person(uow, event)
                ctx = self._context(uow, person, event.chat_id)
                if isinstance(event, ButtonPress):
                    ctx.answer_button(event.callback_id)
                await ctx.say(ctx.t(N_("Sorry, something went wrong on our side. Please try again.")))
                await ctx.write_outbox()
        except Exception as exc:
            # Not recorded: long polling fetches the update again (the webhook has answered).
            failure(log, exc, "could not record failed update %s", event.update_id)
            return None
        recorded()
        return ctx

    # --- people and contexts -----------------------------------------------------------------

    async def _person(self, uow: UnitOfWork, event: Inbound) -> Person:
        sender = event.sender
        now = self.clock.now()
        person = await uow.people.sender(sender.user_id)
        if person is None:
            person = Person(
                telegram_user_id=sender.user_id,
                chat_id=sender.user_id,
                first_name=sender.first_name[:128],
                telegram_language=(sender.language_code or None),
                created_at=now,
                updated_at=now,
            )
            await uow.people.add(person)
            await consent.keep_for_a_day(uow, person, now)  # unless they agree
            return person
        if sender.language_code and sender.language_code != person.telegram_language:
            person.telegram_language = sender.language_code
        if sender.first_name and sender.first_name[:128] != person.first_name:
            person.first_name = sender.first_name[:128]
        return person

    def translator(self, person: Person) -> Translator:
        return translator_for(person, self.settings, self.rules)

    def operator_context(self, uow: UnitOfWork, person: Person) -> Context:
        """A context about a person for an operator's command (``tandem admin``): as a due job's,
        with no event behind it; what it says waits in the outbox for the running bot."""
        return self._context(uow, person, person.chat_id)

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
            features=self.routes.features,
        )

    def programme_context(self, uow: UnitOfWork) -> Context:
        """For work that is nobody's own (a case's deadlines): it writes to people and groups,
        never to a chat of its own, in the programme's language."""
        now = self.clock.now()
        nobody = Person(
            telegram_user_id=0,
            chat_id=0,
            first_name=self.rules.name_in(self.settings.default_locale),
            created_at=now,
            updated_at=now,
        )
        ctx = self._context(uow, nobody, 0)
        ctx.t = ctx.programme_translator()
        return ctx

    async def census(self, group: int) -> None:
        """Ask Telegram who is in the group (its count, its administrators, whether those taken
        for strangers are still there), outside any transaction, then record it and review who
        may read the group (``group_watch.counted``). Held with the group's own events."""
        lock = self._chat_locks.setdefault(group, asyncio.Lock())
        try:
            async with lock:
                async with self.db.unit_of_work() as uow:
                    ask = [member.user_id for member in await uow.groups.strangers(group)]
                census = await self.postman.messenger.census(group, ask)
                async with self.db.unit_of_work() as uow:
                    await uow.lock_chat(group)
                    ctx = self.programme_context(uow)
                    await group_watch.counted(ctx, group, census)
                    await ctx.write_outbox()
        except DeliveryError as exc:
            log.warning("could not count the members of group %s (%s)", group, type(exc).__name__)
            return
        except Exception as exc:
            failure(log, exc, "could not record the members of group %s", group)
            return
        await self.postman.deliver(ctx.posted)

    async def coordinators_chat(self) -> int | None:
        """Which group is the coordinators' now (``/setup`` moves it), read in a transaction of
        its own; a database that cannot say leaves the setting's."""
        try:
            async with self.db.unit_of_work() as uow:
                return await coordinators_chat(uow, self.settings)
        except Exception as exc:
            failure(log, exc, "could not read which group is the coordinators'")
            return self.settings.coordinator_chat_id

    async def group_lost(self, group: int, lost: Sequence[Outbound], refused: bool) -> None:
        """The postman could not deliver to the coordinators' group: each coordinator gets what
        it refused privately, at once (``coordination.group_lost``)."""
        try:
            async with self.db.unit_of_work() as uow:
                ctx = self.programme_context(uow)
                await coordination.group_lost(ctx, group, lost, refused=refused)
                await ctx.write_outbox()
        except Exception:
            log.exception("could not pass on %s messages the coordinators' group refused", len(lost))
            return
        await self.postman.deliver(ctx.posted)

    # --- routing -----------------------------------------------------------------------------

    async def _route(self, ctx: Context, event: Inbound) -> None:
        if event.chat_type != "private" and event.chat_id == await ctx.coordinators_chat():
            if isinstance(event, MemberBlocked):  # the bot was removed from the coordinators' group
                await coordination.group_lost(ctx, event.chat_id, (), refused=True)
                return
            await coordination.group_heard_from(ctx, event.chat_id)
            if isinstance(event, MemberUnblocked):  # the bot added, or made an administrator
                ctx.census.append(event.chat_id)
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
            action = self.routes.commands.get(event.name)
            await (action or self._unknown_command)(ctx, event)
            return
        if isinstance(event, ButtonPress):
            action = self.routes.buttons.get(prefix_of(event.data))
            await (action or self._forged_button)(ctx, event)
            return
        state = await self.flows.active(ctx)
        if state is not None:
            await self.flows.on_input(ctx, state, event)
            return
        if await self.flows.bring_forward(ctx):  # a conversation waited: its question comes now
            return
        await self._no_conversation(ctx, event)

    async def _group(self, ctx: Context, event: Inbound) -> None:
        if isinstance(event, ButtonPress):
            action = self.routes.group_buttons.get(prefix_of(event.data))
            await (action or self._forged_button)(ctx, event)
        elif isinstance(event, Command) and event.name in self.routes.group_commands:
            await self.routes.group_commands[event.name](ctx, event)
        elif isinstance(event, Command) and event.name in self.routes.commands:
            await ctx.say(ctx.t(N_("Please write to me in a private chat: tap my name, then “Message”.")))

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

    # --- work from outside Telegram (the coordinators' console) ------------------------------

    async def act(self, person: Person, work: Callable[[Context], Awaitable[Result]]) -> Result | None:
        """Run ``work`` as ``person`` does from outside Telegram (the coordinators' console): in
        their context and one transaction, held with their chat's own events, then deliver what
        it wrote, as an update's action would. None when the person is gone meanwhile."""
        lock = self._chat_locks.setdefault(person.chat_id, asyncio.Lock())
        async with lock, self._slots:
            done = await self._retried(lambda: self._act_in_transaction(person.id, work), "console action")
        if done is None:
            return None
        ctx, result = done
        await self.postman.deliver(ctx.posted)
        await self._publish_others(ctx)
        return result

    async def _act_in_transaction(
        self, person_id: int, work: Callable[[Context], Awaitable[Result]]
    ) -> tuple[Context, Result] | None:
        async with self.db.unit_of_work() as uow:
            person = await uow.people.get(person_id)
            if person is None:
                return None
            await uow.lock_chat(person.chat_id)
            ctx = self._context(uow, person, person.chat_id)
            ctx.actor_id = person.id
            result = await work(ctx)
            if ctx.menus:
                await group_watch.review(ctx)
            await ctx.write_outbox()
            return ctx, result

    # --- due-jobs ----------------------------------------------------------------------------

    async def run_job(self, job_id: int, paid: bool = False) -> None:
        """Run one due-job in its own transaction; a failure is retried later, then given up.
        ``paid``: its messages go as paid broadcasts (the plan found no room for it in time)."""
        try:
            ctx = await self._retried(lambda: self._job_in_transaction(job_id), f"job {job_id}")
        except Exception as exc:
            failure(log, exc, "job %s failed", job_id)
            await self._job_failed(job_id)
            return
        if ctx is not None:
            await self.postman.deliver(ctx.posted, paid=paid)
            await self._publish_others(ctx)
            if ctx.erased:  # someone who never agreed, forgotten
                await self.db.wipe_log()

    async def _job_in_transaction(self, job_id: int) -> Context | None:
        async with self.db.unit_of_work() as uow:
            job = await uow.jobs.get(job_id)
            if job is None or job.status != "pending":
                return None
            person_id = job.payload.get("person_id")  # none: the job is the programme's (a case's)
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
            action = self.routes.jobs.get(job.kind)
            if action is None or (person is None and person_id is not None):
                log.warning("job %s (%s) has no action or person; dropped", job.id, job.kind)
                job.status = "dropped"
                return None
            ctx = self._context(uow, person, person.chat_id) if person else self.programme_context(uow)
            await action(ctx, job.payload)
            if ctx.erased or ctx.menus:
                await group_watch.review(ctx)  # a coordinator more or fewer: who reads the group?
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
            job.opens_at = job.closes_at = None  # a retry's window: from its new time on
            job.last_error = "exception (see log)"


def sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


def conflict(exc: DBAPIError | StaleDataError) -> str:
    """How a lost transaction is named in the log: the sqlstate, or "a row gone"."""
    return "a row gone" if isinstance(exc, StaleDataError) else str(sqlstate(exc))
