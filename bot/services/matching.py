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

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]


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


def components(learners: Sequence[Learner], mentors: Sequence[Mentor], programme_language: str) -> Components:
    def column(values: list[Any], dtype: Any) -> Any:
        return np.asarray(values, dtype=dtype)[:, None]

    def row(values: list[Any], dtype: Any) -> Any:
        return np.asarray(values, dtype=dtype)[None, :]

    nan = float("nan")
    l_lat = column([x.lat if x.lat is not None else nan for x in learners], float)
    l_lon = column([x.lon if x.lon is not None else nan for x in learners], float)
    m_lat = row([m.lat if m.lat is not None and not m.online_only else nan for m in mentors], float)
    m_lon = row([m.lon if m.lon is not None and not m.online_only else nan for m in mentors], float)
    p1, p2 = np.radians(l_lat), np.radians(m_lat)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(m_lon - l_lon) / 2) ** 2
    distance = 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    radius = row([max(m.radius_km, 0.1) for m in mentors], float)
    known = ~np.isnan(distance)
    too_far = known & (distance > radius)
    in_range = np.where(known & ~too_far, 1 - np.nan_to_num(distance) / radius, 0.0)

    def shared(a_mask: Ints, b_mask: Ints) -> Ints:
        counted: Ints = np.bitwise_count(a_mask & b_mask).astype(np.int64)
        return counted

    l_help = column([x.help for x in learners], np.int64)
    m_offers = row([m.offers for m in mentors], np.int64)
    l_interests = column([x.interests for x in learners], np.int64)
    m_interests = row([m.interests for m in mentors], np.int64)
    every_mentor = np.ones(m_offers.shape, bool)
    l_background = column([x.wants_background for x in learners], bool)
    l_slots = column([x.availability for x in learners], np.int64)
    m_slots = row([m.availability for m in mentors], np.int64)
    home = ~(1 << LANGUAGES.index(programme_language)) if programme_language in LANGUAGES else -1
    l_spoken = column([x.spoken for x in learners], np.int64)
    m_spoken = row([m.spoken for m in mentors], np.int64)
    trade = column([1 << TRADES.index(x.trade) if x.trade in TRADES else 0 for x in learners], np.int64)
    wants = column([x.wants_gender or "" for x in learners], object)
    gender = row([m.gender or "" for m in mentors], object)
    both_timed = (l_slots != 0) & (m_slots != 0)
    result = Components(
        distance=np.where(known, distance, nan),
        in_range=in_range,
        too_far=too_far,
        same_field=(trade & row([m.expertise for m in mentors], np.int64)) != 0,
        help=shared(l_help, m_offers),
        learner_help=np.bitwise_count(l_help).astype(np.int64) + np.zeros_like(m_offers),
        interests=shared(l_interests, m_interests),
        languages=shared(l_spoken, m_spoken),
        home_language=(l_spoken & m_spoken & home) != 0,
        needs_home_language=column([x.needs_home_language for x in learners], bool) & every_mentor,
        gender=(wants != "") & (wants == gender),
        gender_asked=(wants != "") & every_mentor,
        background=l_background & row([m.background for m in mentors], bool),
        background_asked=l_background & every_mentor,
        overlap=shared(l_slots, m_slots),
        learner_slots=np.bitwise_count(l_slots).astype(np.int64) + np.zeros_like(m_slots),
        no_time=both_timed & ((l_slots & m_slots) == 0),
    )
    result.shared_time = l_slots & m_slots
    result.shared_languages = l_spoken & m_spoken
    return result


def scores(c: Components, w: MatchingWeights) -> Floats:
    """The weighted sum of the criteria; excluded pairs score 0, every other pair more than 0."""
    total = (
        1.0  # any possible pair beats no pair
        + w.distance * c.in_range
        + w.field * c.same_field
        + w.help * c.help / np.maximum(c.learner_help, 1)
        + w.interests * np.minimum(c.interests, 2) / 2
        + w.languages * (c.languages > 0)
        + w.home_language * (c.home_language & c.needs_home_language)
        + w.preferences * c.gender
        + w.preferences / 2 * c.background
        + w.availability * c.overlap / np.maximum(c.learner_slots, 1)
    )
    return np.where(c.excluded, 0.0, total)


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


def reasons(c: Components, i: int, j: int) -> list[tuple[str, dict[str, Any]]]:
    """What the pair shares, as codes with values; the reader's language makes words of them."""
    found: list[tuple[str, dict[str, Any]]] = []
    if c.same_field[i, j]:
        found.append(("field", {}))
    if not np.isnan(c.distance[i, j]):
        found.append(("distance", {"km": round(float(c.distance[i, j]))}))
    languages = names(int(c.shared_languages[i, j]), LANGUAGES)
    if languages:
        found.append(("languages", {"languages": languages}))
    if c.help[i, j]:
        found.append(("help", {}))
    if c.interests[i, j]:
        found.append(("interests", {}))
    if c.gender[i, j]:
        found.append(("gender", {}))
    if c.background[i, j]:
        found.append(("background", {}))
    times = names(int(c.shared_time[i, j]), SLOTS)
    if times:
        found.append(("time", {"slots": times}))
    return found
