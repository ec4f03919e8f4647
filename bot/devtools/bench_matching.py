"""``tandem bench matching``: a realistic random cohort, scored and assigned, against greedy.

Prints one JSON line. Learners and mentors live around a few towns (most within 15 km of one),
speak the programme's language and often another, train in one field, want help with one to
three things and can meet at one to three times of the week; mentors take one to three learners,
travel 5 to 50 km or meet online only.
"""

from __future__ import annotations

import json
import random
import time

from bot.rules import MatchingWeights
from bot.services.matching import (
    HELP,
    INTERESTS,
    LANGUAGES,
    SLOTS,
    TRADES,
    Learner,
    Mentor,
    assign,
    bits,
    components,
    greedy,
    scores,
    total,
)

TOWNS = ((52.52, 13.40), (53.55, 9.99), (48.14, 11.58), (50.94, 6.96), (50.11, 8.68))


def place(rng: random.Random) -> tuple[float, float]:
    lat, lon = rng.choice(TOWNS)
    return lat + rng.gauss(0, 0.08), lon + rng.gauss(0, 0.12)


def some(rng: random.Random, universe: tuple[str, ...], low: int, high: int) -> int:
    return bits(rng.sample(universe, rng.randint(low, high)), universe)


def spoken(rng: random.Random) -> int:
    other = rng.choice(LANGUAGES[1:])
    return bits(["de", other] if rng.random() < 0.6 else ["de"], LANGUAGES)


def cohort(learners: int, mentors: int, seed: int) -> tuple[list[Learner], list[Mentor]]:
    rng = random.Random(seed)
    people = []
    for index in range(learners):
        lat, lon = place(rng)
        languages = spoken(rng)
        people.append(
            Learner(
                id=index,
                lat=lat,
                lon=lon,
                trade=rng.choice(TRADES),
                help=some(rng, HELP, 1, 3),
                interests=some(rng, INTERESTS, 0, 3),
                spoken=languages,
                availability=some(rng, SLOTS, 1, 3),
                wants_gender=rng.choice((None, None, None, "woman", "man")),
                wants_background=rng.random() < 0.1,
                needs_home_language=languages != bits(["de"], LANGUAGES) and rng.random() < 0.5,
            )
        )
    volunteers = []
    for index in range(mentors):
        lat, lon = place(rng)
        volunteers.append(
            Mentor(
                id=index,
                lat=lat,
                lon=lon,
                online_only=rng.random() < 0.1,
                radius_km=rng.choice((5.0, 10.0, 25.0, 50.0)),
                expertise=some(rng, TRADES, 1, 2),
                offers=some(rng, HELP, 2, 5),
                interests=some(rng, INTERESTS, 0, 3),
                spoken=spoken(rng),
                availability=some(rng, SLOTS, 1, 4),
                gender=rng.choice(("woman", "man")),
                background=rng.random() < 0.2,
                capacity=rng.randint(1, 3),
            )
        )
    return people, volunteers


def bench_matching(learners: int, mentors: int, seed: int) -> dict[str, float | int]:
    people, volunteers = cohort(learners, mentors, seed)
    weights = MatchingWeights()
    started = time.perf_counter()
    score = scores(components(people, volunteers, "de"), weights)
    pairs = assign(score, volunteers, weights)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    baseline = greedy(score, volunteers)
    greedy_seconds = time.perf_counter() - started
    figures: dict[str, float | int] = {
        "learners": learners,
        "mentors": mentors,
        "seed": seed,
        "seconds": round(seconds, 2),
        "score": round(total(score, pairs), 1),
        "matched": len(pairs),
        "greedy_seconds": round(greedy_seconds, 2),
        "greedy_score": round(total(score, baseline), 1),
        "greedy_matched": len(baseline),
    }
    print(json.dumps(figures))
    return figures
