"""The callback-data codec: every family round-trips, the data already in people's chats still
parses to the same bytes, and anything else is refused (None), never an exception."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin, get_type_hints

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.callbacks
import bot.features.expenses
import bot.features.joining
import bot.features.matchmaking
import bot.features.roundtable_attendance
import bot.features.roundtables
import bot.features.screening
import bot.features.team
import bot.features.training
import bot.services.concerns
import bot.services.group_watch
import bot.services.relay
import conversations.concern
import conversations.engine
import conversations.first_meeting
import conversations.goals
import conversations.match_review
import conversations.planned_end
import conversations.progress
import conversations.sessions.calendar_files
import conversations.sessions.reminders
from bot.callbacks import BIGGEST_ID, LIMIT, Callback, Pattern, Tag, pack, prefix_of, unpack
from bot.features.joining import GuardianSaid, Withdraw

MODULES = (
    bot.callbacks,
    bot.features.expenses,
    bot.features.training,
    bot.services.concerns,
    bot.services.group_watch,
    bot.services.relay,
    bot.features.matchmaking,
    bot.features.roundtables,
    bot.features.roundtable_attendance,
    bot.features.joining,
    bot.features.screening,
    bot.features.team,
    conversations.concern,
    conversations.engine,
    conversations.first_meeting,
    conversations.goals,
    conversations.match_review,
    conversations.planned_end,
    conversations.progress,
    conversations.sessions.calendar_files,
    conversations.sessions.reminders,
)
FAMILIES = sorted(
    (f for f in Callback.__subclasses__() if f.__module__ in {m.__name__ for m in MODULES}),
    key=lambda f: (f.prefix, f.__name__),
)


def siblings(family: type[Callback]) -> list[type[Callback]]:
    """The families sharing a prefix: its handler tries all of them."""
    return [f for f in FAMILIES if f.prefix == family.prefix]


def read(data: str, prefix: str) -> Callback | None:
    found = [press for f in FAMILIES if f.prefix == prefix if (press := unpack(data, f)) is not None]
    assert len(found) <= 1, f"{data!r} parses as {found}: the shapes of {prefix} overlap"
    return found[0] if found else None


# --- the formats already sent ------------------------------------------------------------------

SENT = [
    "f1:AbC-_x9z:3",
    "f1:AbC-_x9z:ok",
    "f1:AbC-_x9z:skip",
    "f1:AbC-_x9z:e4",
    "cn1:12:ack",
    "cn1:12:note",
    "cn1:12:resolve",
    "cn1:12:contact",
    "cn1:12:r3",
    "cc1:start",
    "ss1:5:ok",
    "ss1:5:move",
    "ss1:5:cancel",
    "ss1:5:ics",
    "ss1:5:snooze",
    "ss1:5:met",
    "ss1:5:notmet",
    "ss1:5:other",
    "sw1:7",
    "g1:0:new",
    "g1:4:show",
    "g1:4:unshare",
    "pg1:share",
    "pg1:unshare",
    "pg1:42",
    "iv1:9",
    "gd1:3:yes",
    "gd1:3:no",
    "sc1:8:ok",
    "sc1:8:ask",
    "sc1:8:iv",
    "sc1:8:no",
    "sc1:8:chk",
    "tr1:2:go",
    "tr1:2:1:0",
    "pc1:6:yes",
    "pc1:6:no",
    "mp1:6:ok",
    "mp1:6:skip",
    "mp1:6:alt",
    "mp1:6:m31",
    "pe1:6",
    "tm1:4:sus",
    "tm1:4:rei",
    "tm1:4:rem",
    "gw1:2",
    "rl1:new",
    "rl1:12",
    "rh1:12:ok",
    "rh1:12:no",
    "ls1:cases:2",
    "ls1:pairs:1",
    "ls1:screening:12",
    "ls1:guardians:3",
    "ls1:invites:2",
    "ls1:unreachable:4",
    "rt1:3:yes",
    "rt1:3:no",
    "ra1:3:12",
    "ra1:3:0",
    "rf1:3:good",
    "rf1:3:poor",
    "ls1:proposals:2",
    "mb1:12:a75",
    "mb1:12:y75",
    "mb1:12:type",
    "mb1:12:list",
    "mb1:12:no",
    "ml1:5:ok",
    "ml1:5:skip",
    "ls1:claims:2",
    "ex1:3:ok",
    "ex1:3:no",
    "ex1:3:ask",
    "ex1:3:rcpt",
]


def test_every_prefix_people_have_buttons_of_is_still_declared() -> None:
    prefixes = {"f1", "cn1", "cc1", "ss1", "sw1", "g1", "pg1", "iv1", "gd1", "sc1", "tr1", "pc1"}
    staff = {
        "mp1",
        "pe1",
        "tm1",
        "gw1",
        "rl1",
        "rh1",
        "ls1",
        "rt1",
        "ra1",
        "rf1",
        "mb1",
        "ml1",
        "ex1",
        "ce1",
        "cx1",
    }
    assert {f.prefix for f in FAMILIES} == prefixes | staff


@pytest.mark.parametrize("data", SENT)
def test_buttons_already_sent_parse_and_pack_to_the_same_bytes(data: str) -> None:
    press = read(data, prefix_of(data))
    assert press is not None
    assert pack(press) == data


# --- round trips ---------------------------------------------------------------------------------


def values_of(hint: Any) -> st.SearchStrategy[Any]:
    """Every value a field may carry, from its annotation."""
    args = get_args(hint)
    if hint is int or (get_origin(hint) is Annotated and isinstance(args[1], Tag)):
        return st.integers(0, BIGGEST_ID)
    if get_origin(hint) is Literal:
        return st.sampled_from(args)
    assert get_origin(hint) is Annotated and isinstance(args[1], Pattern), hint
    return st.from_regex(args[1].regex, fullmatch=True)


def presses(family: type[Callback]) -> st.SearchStrategy[Callback]:
    hints = get_type_hints(family, include_extras=True)
    return st.builds(family, **{f.name: values_of(hints[f.name]) for f in family.fields})


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
@given(data=st.data())
@settings(deadline=None)  # the suite runs beside slow tests: time is not what is checked here
def test_every_family_round_trips(family: type[Callback], data: st.DataObject) -> None:
    press = data.draw(presses(family))
    packed = pack(press)
    assert len(packed.encode()) <= LIMIT
    assert unpack(packed, family) == press
    assert unpack(packed, *siblings(family)[:3]) == press  # type: ignore[call-overload]
    assert read(packed, family.prefix) == press  # no other shape of the prefix reads it too


WORDS = sorted(
    {
        word
        for family in FAMILIES
        for hint in get_type_hints(family, include_extras=True).values()
        if get_origin(hint) is Literal
        for word in get_args(hint)
    }
)
# Pieces that are often almost right: ids with leading zeros or out of range, known words, tags.
PIECES = st.one_of(
    st.integers(-3, 2**64).map(str),
    st.from_regex(r"0[0-9]{1,3}", fullmatch=True),
    st.sampled_from(WORDS),
    st.tuples(st.sampled_from("rmex"), st.integers(-1, 99)).map(lambda t: f"{t[0]}{t[1]}"),
    st.from_regex(r"[A-Za-z0-9_-]{1,17}", fullmatch=True),
    st.text(max_size=8),
)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.__name__)
@given(data=st.data())
@settings(deadline=None)  # the suite runs beside slow tests: time is not what is checked here
def test_whatever_parses_is_in_its_one_written_form(family: type[Callback], data: st.DataObject) -> None:
    """A button's data with one field changed: refused, or read as a press that packs to it."""
    fields = pack(data.draw(presses(family))).split(":")
    fields[data.draw(st.integers(1, len(fields) - 1))] = data.draw(PIECES)
    changed = ":".join(fields)
    press = read(changed, family.prefix)
    if press is not None:
        assert pack(press) == changed


# Whole data as a client could send it: a known prefix or none, then fields of any text, with the
# digits str.isdigit() takes that int() does not ("²"), or takes differently ("٣", "３").
ODD_PIECES = st.one_of(
    PIECES,
    st.sampled_from(["²", "٣", "３", "१", "-0", "0_1", " 7", "7\n", "\x00", "∞", "1" * 30]),
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=4),
)
ANY_DATA = st.one_of(
    st.text(max_size=80),
    st.builds(
        lambda prefix, pieces: ":".join([prefix, *pieces]),
        st.sampled_from([*sorted({f.prefix for f in FAMILIES}), "", "zz9"]),
        st.lists(ODD_PIECES, max_size=5),
    ),
)


@given(data=ANY_DATA)
@settings(deadline=None)
def test_any_data_at_all_is_refused_or_read_as_a_press_that_packs_to_it(data: str) -> None:
    """No text makes the codec raise (ValueError, OverflowError): a forged press is a value."""
    prefix_of(data)
    for family in FAMILIES:
        press = unpack(data, family)
        if press is not None:
            assert pack(press) == data
            assert data.isascii() and all(ch in "0123456789" for ch in data if ch.isdigit())


# --- refusals ------------------------------------------------------------------------------------

NOT_IDS = ["²", "٣", "３", "-1", "", "+1", " 1", "1 ", "1\n", "01", "1.0", "1e3", "0x1", "1_000", "one"]
TOO_BIG = [str(2**31), str(2**63 - 1), str(2**63), str(2**64), "9" * 40]


@pytest.mark.parametrize("text", NOT_IDS + TOO_BIG)
def test_an_id_is_ascii_digits_up_to_the_largest_integer_key(text: str) -> None:
    assert unpack(f"iv1:{text}", Withdraw) is None
    assert unpack(f"gd1:{text}:yes", GuardianSaid) is None
    assert unpack(f"cn1:1:r{text}", bot.services.concerns.AlertOutcome) is None


def test_the_largest_integer_key_is_an_id() -> None:
    assert unpack(f"iv1:{2**31 - 1}", Withdraw) == Withdraw(2**31 - 1)
    assert unpack("iv1:0", Withdraw) == Withdraw(0)


@pytest.mark.parametrize(
    "data",
    [
        "gd1:3:maybe",  # a word not in the set
        "gd1:3:YES",
        "gd1:3:",
        "gd1:3:yes:no",  # a field too many
        "gd1:3:yes:",
        "gd1:3",  # a field missing
        "gd1:",
        "gd1",
        "",
        ":",
        "gd2:3:yes",  # another version
        "GD1:3:yes",
        "iv1:3:yes",  # another family
        " gd1:3:yes",
        "gd1:3:yes\n",
        "gd1::3:yes",
    ],
)
def test_anything_but_the_declared_shape_is_refused(data: str) -> None:
    assert unpack(data, GuardianSaid) is None


@pytest.mark.parametrize(
    "data",
    [
        "f1:AbC-_x9z:e",
        "f1:AbC-_x9z:e²",
        "f1:AbC-_x9z:x4",
        "f1:AbC-_x9z:OK",
        "f1:a:b:0",
        "f1::0",
        "f1:ab cd:0",
    ],
)
def test_a_flow_press_of_no_known_shape_is_refused(data: str) -> None:
    engine = conversations.engine
    assert unpack(data, engine.FlowOption, engine.FlowWord, engine.FlowEdit) is None


@dataclass(frozen=True)
class Note(Callback, prefix="zz1"):
    words: Annotated[str, Pattern(r"[a-z]{1,100}")]


def test_data_longer_than_telegram_keeps_is_never_read_nor_made() -> None:
    fits = "a" * (LIMIT - len("zz1:"))
    assert unpack(f"zz1:{fits}", Note) == Note(fits)
    assert unpack(f"zz1:{fits}a", Note) is None
    with pytest.raises(AssertionError):
        pack(Note(fits + "a"))


@pytest.mark.parametrize(
    "press",
    [Withdraw(-1), Withdraw(2**31), GuardianSaid(1, "maybe"), Note("no:colons"), Note("")],  # type: ignore[arg-type]
)
def test_a_value_that_would_not_come_back_is_a_bug_when_packed(press: Callback) -> None:
    with pytest.raises(AssertionError):
        pack(press)


def test_a_family_with_a_field_the_codec_cannot_read_is_refused_when_declared() -> None:
    with pytest.raises(TypeError, match=r"Loose\.text"):

        @dataclass(frozen=True)
        class Loose(Callback, prefix="zz2"):
            text: str

    with pytest.raises(TypeError, match="prefix"):

        @dataclass(frozen=True)
        class Unversioned(Callback, prefix="zz"):
            number: int


def test_the_prefix_is_what_comes_before_the_first_colon() -> None:
    assert prefix_of("gd1:3:yes") == "gd1"
    assert prefix_of("cc1") == "cc1"
    assert prefix_of("") == ""
    assert prefix_of(":gd1") == ""


def test_the_codec_is_kernel_it_imports_the_standard_library_only() -> None:
    source = Path(sys.modules[unpack.__module__].__file__ or "").read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    allowed = set(sys.stdlib_module_names) | {"__future__", "bot.events", "bot.i18n"}
    assert {name for name in imported if name.split(".")[0] not in allowed and name not in allowed} == set()
