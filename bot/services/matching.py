"""Scoring every (learner, mentor) pair and assigning the whole cohort at once.

The criteria are computed for all pairs together, as arrays (a national cohort has millions of
pairs); one pair's reasons are read from the same arrays, so what a coordinator reads is what
was scored. The assignment is a maximum-weight matching (scipy's ``linear_sum_assignment``)
over learners and mentor *slots*: a mentor who can take k learners has k columns, the second and
third a little less attractive, so the load spreads when it costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from bot.rules import MatchingWeights

EARTH_KM = 6371.0
HELP = ("exams", "motivation", "conflicts", "career", "language", "personal")
TRADES = (
    "electrical", "metal", "construction", "vehicles", "it", "office", "retail", "hospitality",
    "care", "beauty", "logistics", "green", "education",
)  # fmt: skip
INTERESTS = ("sport", "music", "gaming", "cooking", "crafts", "tech", "art", "nature", "reading")
SLOTS = ("weekday_morning", "weekday_afternoon", "weekday_evening", "saturday", "sunday")
LANGUAGES = ("de", "en", "fr", "ar", "tr", "uk", "ru", "pl", "es", "fa")
GENDERS = ("woman", "man", "other")

Floats = NDArray[np.floating[Any]]  # float64; float32 where candidates are only ranked
Bools = NDArray[np.bool_]
Ints = NDArray[np.integer[Any]]  # counts and bit masks, in small integer types


def bits(values: Sequence[str] | None, universe: Sequence[str]) -> int:
    return sum(1 << universe.index(v) for v in values or () if v in universe)


def names(mask: int, universe: Sequence[str]) -> list[str]:
    return [value for index, value in enumerate(universe) if mask >> index & 1]


@dataclass(frozen=True, slots=True)
class Learner:
    id: int
    lat: float | None = None
    lon: float | None = None
    trade: str | None = None
    help: int = 0
    interests: int = 0
    spoken: int = 0
    availability: int = 0
    wants_gender: str | None = None  # "woman" / "man", or None for no preference
    wants_language: bool = False  # "speaks my language" matters
    wants_background: bool = False
    needs_home_language: bool = False  # the programme's language is not their main one


@dataclass(frozen=True, slots=True)
class Mentor:
    id: int
    lat: float | None = None
    lon: float | None = None
    online_only: bool = False
    radius_km: float = 10.0
    expertise: int = 0  # trades
    offers: int = 0  # help
    interests: int = 0
    spoken: int = 0
    availability: int = 0
    gender: str | None = None
    background: bool = False
    capacity: int = 1  # learners they can still take


# Why a pair cannot be made, most telling first (also why a learner stays unmatched).
TOO_FAR, NO_TIME = "too_far", "no_time"


@dataclass
class Components:
    """Every criterion for every pair: arrays of shape (learners, mentors)."""

    distance: Floats  # km; nan when a home is unknown or the mentor meets online only
    in_range: Floats  # 1 at home, 0 at the edge of the mentor's radius
    too_far: Bools
    same_field: Bools
    help: Ints  # shared
    learner_help: Ints
    interests: Ints
    languages: Ints
    home_language: Bools  # the mentor speaks a language of the learner's other than the programme's
    needs_home_language: Bools
    gender: Bools  # the learner's stated preference is met
    gender_asked: Bools
    background: Bools
    background_asked: Bools
    overlap: Ints
    learner_slots: Ints
    no_time: Bools
    excluded: Bools = field(init=False)
    shared_time: Ints = field(init=False)  # bit mask of the common slots
    shared_languages: Ints = field(init=False)

    def __post_init__(self) -> None:
        self.excluded = self.too_far | self.no_time


def learner_columns(learners: Sequence[Learner]) -> dict[str, Any]:
    """The learners' criteria as one array each (bit masks in small integers, so blocks stay small)."""
    nan = float("nan")
    wanted = {value: code for code, value in enumerate(GENDERS, start=1)}
    return {
        "lat": np.asarray([x.lat if x.lat is not None else nan for x in learners], float),
        "lon": np.asarray([x.lon if x.lon is not None else nan for x in learners], float),
        "trade": np.asarray(
            [1 << TRADES.index(x.trade) if x.trade in TRADES else 0 for x in learners], np.uint16
        ),
        "help": np.asarray([x.help for x in learners], np.uint8),
        "interests": np.asarray([x.interests for x in learners], np.uint16),
        "spoken": np.asarray([x.spoken for x in learners], np.uint16),
        "slots": np.asarray([x.availability for x in learners], np.uint8),
        "wants": np.asarray(
            [wanted.get(x.wants_gender, 99) if x.wants_gender else 0 for x in learners], np.int8
        ),
        "background": np.asarray([x.wants_background for x in learners], bool),
        "needs_home": np.asarray([x.needs_home_language for x in learners], bool),
    }


def mentor_columns(mentors: Sequence[Mentor]) -> dict[str, Any]:
    """The mentors' criteria as one array each; an online-only mentor has no place (nan)."""
    nan = float("nan")
    gender = {value: code for code, value in enumerate(GENDERS, start=1)}
    return {
        "lat": np.asarray(
            [m.lat if m.lat is not None and not m.online_only else nan for m in mentors], float
        ),
        "lon": np.asarray(
            [m.lon if m.lon is not None and not m.online_only else nan for m in mentors], float
        ),
        "radius": np.asarray([max(m.radius_km, 0.1) for m in mentors], float),
        "expertise": np.asarray([m.expertise for m in mentors], np.uint16),
        "offers": np.asarray([m.offers for m in mentors], np.uint8),
        "interests": np.asarray([m.interests for m in mentors], np.uint16),
        "spoken": np.asarray([m.spoken for m in mentors], np.uint16),
        "slots": np.asarray([m.availability for m in mentors], np.uint8),
        "gender": np.asarray([gender.get(m.gender, 98) if m.gender else -1 for m in mentors], np.int8),
        "background": np.asarray([m.background for m in mentors], bool),
    }


def take(columns: dict[str, Any], index: Any) -> dict[str, Any]:
    """Some rows of learner or mentor columns, or all of them reshaped (``np.s_[:, None]``)."""
    return {key: values[index] for key, values in columns.items()}


def components(learners: Sequence[Learner], mentors: Sequence[Mentor], programme_language: str) -> Components:
    """Every criterion for every (learner, mentor) pair."""
    learner, mentor = learner_columns(learners), mentor_columns(mentors)
    return criteria(
        take(learner, np.s_[:, None]), take(mentor, np.s_[None, :]), programme_language, full=True
    )


def criteria(
    who: dict[str, Any], m: dict[str, Any], programme_language: str, full: bool = False
) -> Components:
    """The criteria of the pairs that learner columns ``who`` and mentor columns ``m`` broadcast to:
    a learners × mentors matrix, a block of one, or two index-aligned lists of pairs. Their
    coordinates' float type (float64 or float32) is the scores'. ``full`` spreads each learner's
    own counts over the whole shape, as the reasons and ``why_unmatched`` read them."""
    real = who["lat"].dtype
    p1, p2 = np.radians(who["lat"]), np.radians(m["lat"])
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(m["lon"] - who["lon"]) / 2) ** 2
    )
    distance = 2 * real.type(EARTH_KM) * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    radius = m["radius"]
    known = ~np.isnan(distance)
    too_far = known & (distance > radius)
    in_range = np.where(known & ~too_far, 1 - np.nan_to_num(distance) / radius, real.type(0))
    home = ((1 << len(LANGUAGES)) - 1) & ~(
        1 << LANGUAGES.index(programme_language) if programme_language in LANGUAGES else 0
    )
    shared_languages = who["spoken"] & m["spoken"]
    shared_time = who["slots"] & m["slots"]
    shape = np.broadcast_shapes(np.shape(who["lat"]), np.shape(m["lat"]))

    def spread(values: Any) -> Any:
        return np.broadcast_to(values, shape) if full else values

    result = Components(
        distance=distance,
        in_range=in_range,
        too_far=too_far,
        same_field=(who["trade"] & m["expertise"]) != 0,
        help=np.bitwise_count(who["help"] & m["offers"]),
        learner_help=spread(np.bitwise_count(who["help"])),
        interests=np.bitwise_count(who["interests"] & m["interests"]),
        languages=np.bitwise_count(shared_languages),
        home_language=(shared_languages & home) != 0,
        needs_home_language=spread(who["needs_home"]),
        gender=(who["wants"] != 0) & (who["wants"] == m["gender"]),
        gender_asked=spread(who["wants"] != 0),
        background=who["background"] & m["background"],
        background_asked=spread(who["background"]),
        overlap=np.bitwise_count(shared_time),
        learner_slots=spread(np.bitwise_count(who["slots"])),
        no_time=(who["slots"] != 0) & (m["slots"] != 0) & (shared_time == 0),
    )
    result.shared_time = shared_time
    result.shared_languages = shared_languages
    return result


def scores(c: Components, w: MatchingWeights) -> Floats:
    """The weighted sum of the criteria; excluded pairs score 0, every other pair more than 0.
    Computed in the float type of ``c.in_range`` (float32 when candidates are only being ranked)."""
    real = c.in_range.dtype.type
    total = (
        real(1.0)  # any possible pair beats no pair
        + real(w.distance) * c.in_range
        + real(w.field) * c.same_field
        + real(w.help) * c.help / np.maximum(c.learner_help, 1)
        + real(w.interests) * np.minimum(c.interests, 2) / 2
        + real(w.languages) * (c.languages > 0)
        + real(w.home_language) * (c.home_language & c.needs_home_language)
        + real(w.preferences) * c.gender
        + real(w.preferences / 2) * c.background
        + real(w.availability) * c.overlap / np.maximum(c.learner_slots, 1)
    )
    return np.where(c.excluded, real(0.0), total)


def slots(mentors: Sequence[Mentor]) -> tuple[list[int], list[int]]:
    """One column per learner a mentor can still take: its mentor's index, and which seat it is."""
    columns, seats = [], []
    for index, mentor in enumerate(mentors):
        for seat in range(max(mentor.capacity, 0)):
            columns.append(index)
            seats.append(seat)
    return columns, seats


def assign(score: Floats, mentors: Sequence[Mentor], w: MatchingWeights) -> list[tuple[int, int]]:
    """The maximum-total assignment: (learner index, mentor index) pairs, capacities kept.

    A matching of any size extends to one of the largest possible size with pairs of score 0,
    so the solver's complete assignment, less its 0-score pairs, is the best partial one.
    """
    columns, seats = slots(mentors)
    if not columns or score.shape[0] == 0:
        return []
    expanded = score[:, columns]
    seat = np.asarray(seats, dtype=float)
    # A mentor's second and third seat are a little less attractive: spread the load when equal.
    expanded = np.where(expanded > 0, np.maximum(expanded - w.capacity * seat[None, :], 0.01), 0.0)
    rows, cols = linear_sum_assignment(expanded, maximize=True)
    return [(int(r), columns[int(k)]) for r, k in zip(rows, cols, strict=True) if expanded[r, k] > 0]


def greedy(score: Floats, mentors: Sequence[Mentor]) -> list[tuple[int, int]]:
    """The baseline a coordinator might do by hand: best remaining pair first."""
    left = [m.capacity for m in mentors]
    taken: set[int] = set()
    order = np.dstack(np.unravel_index(np.argsort(-score, axis=None), score.shape))[0]
    pairs = []
    for learner, mentor in order:
        if score[learner, mentor] <= 0:
            break
        if learner in taken or left[mentor] <= 0:
            continue
        taken.add(int(learner))
        left[mentor] -= 1
        pairs.append((int(learner), int(mentor)))
    return pairs


def total(score: Floats, pairs: Sequence[tuple[int, int]]) -> float:
    return float(sum(score[i, j] for i, j in pairs))


def why_unmatched(c: Components, learner: int, mentors: Sequence[Mentor]) -> str:
    """The most telling reason a learner got nobody."""
    free = np.asarray([m.capacity > 0 for m in mentors], dtype=bool)
    if not free.any():
        return "no_mentor"
    if (c.too_far[learner] | ~free).all():
        return TOO_FAR
    if (c.no_time[learner] | ~free).all():
        return NO_TIME
    if (c.excluded[learner] | ~free).all():
        return "no_fit"
    return "taken"  # the mentors who fit were better used for others


def reasons(c: Components, *at: int) -> list[tuple[str, dict[str, Any]]]:
    """What the pair shares, as codes with values; the reader's language makes words of them.
    ``at`` is (learner, mentor) in a matrix of criteria, or the pair's place in a list of pairs."""
    found: list[tuple[str, dict[str, Any]]] = []
    if c.same_field[at]:
        found.append(("field", {}))
    if not np.isnan(c.distance[at]):
        found.append(("distance", {"km": round(float(c.distance[at]))}))
    languages = names(int(c.shared_languages[at]), LANGUAGES)
    if languages:
        found.append(("languages", {"languages": languages}))
    if c.help[at]:
        found.append(("help", {}))
    if c.interests[at]:
        found.append(("interests", {}))
    if c.gender[at]:
        found.append(("gender", {}))
    if c.background[at]:
        found.append(("background", {}))
    times = names(int(c.shared_time[at]), SLOTS)
    if times:
        found.append(("time", {"slots": times}))
    return found
