"""What a feature declares: one record of its commands, button prefixes, due-job kinds, flows,
and the menu and help lines each role sees. The composition root lists the features in order; the
dispatcher merges their tables at start-up, and /help and the command menus are read from them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, overload

from bot.callbacks import Callback, ListName, unpack
from bot.events import BotCommand, ButtonPress, Inbound, Keyboard
from bot.i18n import N_, Translator

if TYPE_CHECKING:
    from bot.context import Context
    from conversations.flow import Flow

A = TypeVar("A", bound=Callback)
B = TypeVar("B", bound=Callback)
C = TypeVar("C", bound=Callback)
Action = Callable[["Context", Inbound], Awaitable[None]]
JobAction = Callable[["Context", dict[str, Any]], Awaitable[None]]
Role = str | None  # None: someone who has not joined the programme (yet)

NEWCOMER: Role = None
EVERYONE: tuple[Role, ...] = (NEWCOMER, "learner", "mentor", "coordinator")
IN_A_PAIR: tuple[Role, ...] = ("learner", "mentor")
LEARNERS: tuple[Role, ...] = ("learner",)
MENTORS: tuple[Role, ...] = ("mentor",)
COORDINATORS: tuple[Role, ...] = ("coordinator",)
NOT_STAFF: tuple[Role, ...] = (NEWCOMER, "learner", "mentor")


@dataclass(frozen=True)
class CommandEntry:
    """``/name``: what it runs, and its line in the command menus of ``menu`` roles (none: it is
    not listed, as for ``/case N``, which needs a number)."""

    name: str
    action: Action
    description: str | None = None  # a msgid: the menu's words
    menu: tuple[Role, ...] = ()


@dataclass(frozen=True)
class HelpLine:
    """One line of /help (a msgid) and the roles it is shown to."""

    text: str
    roles: tuple[Role, ...]


@dataclass(frozen=True)
class Entry:
    """One item of a list as a coordinator reads it, and the buttons that act on it."""

    text: str
    buttons: Keyboard = ()


@dataclass(frozen=True)
class Listing:
    """A list long enough to page (``bot/services/paging.py``): read afresh for every page, so a
    press on "Next" shows the list as it is now. ``name`` is one of ``bot.callbacks.LISTS``;
    ``title`` and ``empty`` are msgids; ``per_page`` is at most how many items a page shows."""

    name: ListName
    title: str
    empty: str
    items: Callable[[Context], Awaitable[Sequence[Any]]]
    entry: Callable[[Context, Any], Awaitable[Entry]]
    per_page: int = 20
    between: str = "\n"  # what separates two items on a page


@dataclass(frozen=True)
class Feature:
    """Everything the dispatcher needs to know about one feature, in one place."""

    name: str
    commands: tuple[CommandEntry, ...] = ()
    buttons: Mapping[str, Action] = field(default_factory=dict)  # callback prefix → action
    group_buttons: Mapping[str, Action] = field(default_factory=dict)  # pressed in a group chat
    jobs: Mapping[str, JobAction] = field(default_factory=dict)  # due-job kind → action
    flows: tuple[Flow, ...] = ()
    help: tuple[HelpLine, ...] = ()
    lists: tuple[Listing, ...] = ()  # pages of these are the "ls1" buttons' (bot/services/paging.py)
    group_commands: Mapping[str, Action] = field(default_factory=dict)  # sent in a group chat


def menu(features: Sequence[Feature], role: Role, t: Translator) -> list[BotCommand]:
    """The command menu of a role: the role's own commands first, then those a newcomer has too;
    each group in the order of the features, then of their commands."""
    entries = [(c, c.description) for f in features for c in f.commands if role in c.menu]
    own = [(c.name, words) for c, words in entries if words and NEWCOMER not in c.menu]
    common = [(c.name, words) for c, words in entries if words and NEWCOMER in c.menu]
    return [BotCommand(name, t(words)) for name, words in own + common]


def help_lines(features: Sequence[Feature], role: Role) -> tuple[list[str], list[str]]:
    """The /help lines (msgids) of a role: those a newcomer reads too, then the role's own."""
    lines = [line for f in features for line in f.help if role in line.roles]
    common = [line.text for line in lines if NEWCOMER in line.roles]
    own = [line.text for line in lines if NEWCOMER not in line.roles]
    return common, own


@overload
def staff_press(ctx: Context, event: Inbound, family: type[A], /) -> A | None: ...
@overload
def staff_press(ctx: Context, event: Inbound, first: type[A], second: type[B], /) -> A | B | None: ...
@overload
def staff_press(
    ctx: Context, event: Inbound, first: type[A], second: type[B], third: type[C], /
) -> A | B | C | None: ...
def staff_press(ctx: Context, event: Inbound, *families: type[Callback]) -> Callback | None:
    """A coordinator's button: the press read strictly as one of ``families``, and the role checked
    again on every press (a coordinator removed a moment ago is refused). None: it was answered
    here, as a button no longer active or as not the presser's."""
    assert isinstance(event, ButtonPress)
    press = None
    for family in families:
        press = press or unpack(event.data, family)
    if press is None:
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is no longer active.")))
        return None
    if ctx.person.role != "coordinator":
        ctx.answer_button(event.callback_id, ctx.t(N_("This button is not for you.")), alert=True)
        return None
    return press
