"""Callback data: what an inline button carries back to the bot, declared once per family of buttons.

Telegram hands a button's data back as it was sent (64 bytes at most), but any client can send
any data, and buttons stay in chats long after the code that made them changed: every press is
input to parse, never to trust. A family is a frozen dataclass whose prefix names it and its
version; its fields follow in order, each after a ":". A prefix's format never changes once sent,
so that old buttons keep working: a new format takes a new prefix (``gd2``).

    @dataclass(frozen=True)
    class GuardianSaid(Callback, prefix="gd1"):
        learner: int
        said: Literal["yes", "no"]

    pack(GuardianSaid(12, "yes")) == "gd1:12:yes"
    unpack("gd1:12:yes", GuardianSaid) == GuardianSaid(12, "yes")
    unpack("gd1:²:yes", GuardianSaid) is None

A field is an id (``int``: ASCII digits without a leading zero, at most the largest INTEGER), a
word from a fixed set (``Literal``), a token (``Annotated[str, Pattern(regex)]``) or an id after a
letter (``Annotated[int, Tag("r")]``: ``r2``). Data is ASCII and every press has one spelling, so
what parses packs back to the same bytes. A prefix with several shapes has one family per shape,
and ``unpack`` tries them in the order given.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal, TypeVar, get_args, get_origin, overload

LIMIT = 64  # bytes of callback data Telegram keeps
BIGGEST_ID = 2**31 - 1  # ids are rows' INTEGER keys: PostgreSQL refuses a query for a larger one
_PREFIX = re.compile(r"[a-z]+[0-9]+")
_ID = re.compile(r"0|[1-9][0-9]*")  # [0-9], not \d: "²" and "٣" are digits to str.isdigit()
_WORD = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Pattern:
    """A token's shape, as in ``Annotated[str, Pattern(r"[A-Za-z0-9_-]{1,16}")]`` (never a ":")."""

    regex: str


@dataclass(frozen=True)
class Tag:
    """An id written after a letter, as in ``Annotated[int, Tag("r")]``: ``r2``."""

    letter: str


@dataclass(frozen=True)
class Field:
    name: str
    read: Callable[[str], object | None]  # None: the text is not one of this field's values
    write: Callable[[Any], str]


class Callback:
    """Base of a family of buttons: ``@dataclass(frozen=True) class Said(Callback, prefix="gd1")``."""

    prefix: ClassVar[str]
    fields: ClassVar[tuple[Field, ...]]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not _PREFIX.fullmatch(prefix):
            raise TypeError(f"{cls.__name__}: a prefix is letters then a version, like gd1")
        cls.prefix = prefix
        hints = inspect.get_annotations(cls, eval_str=True)
        cls.fields = tuple(_field(cls.__name__, name, hint) for name, hint in hints.items())


def _read_id(text: str) -> int | None:
    if not _ID.fullmatch(text) or int(text) > BIGGEST_ID:
        return None
    return int(text)


def _field(family: str, name: str, hint: Any) -> Field:
    """How one annotated field reads and writes; any other annotation is a mistake in the family."""
    args = get_args(hint)
    if hint is int:
        return Field(name, _read_id, str)
    if get_origin(hint) is Literal and all(isinstance(a, str) and _WORD.fullmatch(a) for a in args):
        words = frozenset(args)
        return Field(name, lambda text: text if text in words else None, str)
    if get_origin(hint) is Annotated and args[0] is str and isinstance(args[1], Pattern):
        token = re.compile(args[1].regex)
        return Field(name, lambda text: text if token.fullmatch(text) else None, str)
    if get_origin(hint) is Annotated and args[0] is int and isinstance(args[1], Tag):
        letter = args[1].letter
        return Field(
            name,
            lambda text: _read_id(text.removeprefix(letter)) if text.startswith(letter) else None,
            lambda value: f"{letter}{value}",
        )
    raise TypeError(f"{family}.{name}: a field is an int, a Literal of words, or Annotated with Pattern/Tag")


def prefix_of(data: str) -> str:
    """The family a button's data claims to belong to: the dispatcher's key to its handler."""
    return data.partition(":")[0]


def pack(press: Callback) -> str:
    """A button's data. A value that would not come back as it is, or too long, is a bug: asserted."""
    data = ":".join((press.prefix, *(f.write(getattr(press, f.name)) for f in press.fields)))
    assert len(data.encode()) <= LIMIT, f"{data!r} is longer than Telegram keeps"
    assert unpack(data, type(press)) == press, f"{press!r} does not come back from {data!r}"
    return data


A = TypeVar("A", bound=Callback)
B = TypeVar("B", bound=Callback)
C = TypeVar("C", bound=Callback)


@overload
def unpack(data: str, family: type[A], /) -> A | None: ...
@overload
def unpack(data: str, first: type[A], second: type[B], /) -> A | B | None: ...
@overload
def unpack(data: str, first: type[A], second: type[B], third: type[C], /) -> A | B | C | None: ...
def unpack(data: str, *families: type[Callback]) -> Callback | None:
    """The press as the first family it parses as; None when it is none of them (forged, or from
    a format no longer made), for the handler to answer politely."""
    if len(data) > LIMIT or not data.isascii():  # every family's data is ASCII
        return None
    prefix, *texts = data.split(":")
    for family in families:
        if prefix != family.prefix or len(texts) != len(family.fields):
            continue
        values = [f.read(text) for f, text in zip(family.fields, texts, strict=True)]
        if None not in values:
            make: Callable[..., Callback] = family
            return make(*values)
    return None


# --- the one family the kernel declares itself: a page of a long list -------------------------

ListName = Literal[
    "cases", "pairs", "screening", "guardians", "invites", "unreachable", "proposals", "claims"
]
LISTS: tuple[ListName, ...] = get_args(ListName)


@dataclass(frozen=True)
class Page(Callback, prefix="ls1"):
    """A page of one of the coordinators' lists, counted from 1: ``ls1:cases:2``. The page is
    read again when pressed, so the button carries no more than which list and which page."""

    listing: ListName
    page: int
