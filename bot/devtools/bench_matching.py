"""``tandem bench matching``: a realistic random cohort, matched, against greedy.

Prints one JSON line. Learners and mentors live around a few towns (most within 15 km of one),
speak the programme's language and often another, train in one field, want help with one to
three things and can meet at one to three times of the week; mentors take one to three learners,
travel 5 to 50 km or meet online only. The matching is ``bot.services.sparse_matching``'s
(candidates, then an exact flow); greedy runs over the same candidates; ``--compare-exact`` adds
the dense exact assignment and greedy over every pair, where the dense matrix fits.
"""

from __future__ import annotations

import json
import random
import resource
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
from bot.services.sparse_matching import K, match_cohort, scored
from bot.services.sparse_matching import greedy as greedy_over

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


DENSE_LIMIT = (
    30_000_000  # learners × seats the dense exact assignment is run for (5,000 × 4,000 is 20 million)
)


def peak_rss_mb() -> int:
    """This process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def bench_matching(
    learners: int, mentors: int, seed: int, compare_exact: bool = False, k: int = K
) -> dict[str, float | int | str]:
    """The candidates-then-flow matching of a random cohort; greedy over the same candidates; and
    with ``compare_exact``, the dense exact assignment and greedy over every pair, where they fit."""
    people, volunteers = cohort(learners, mentors, seed)
    weights = MatchingWeights()
    started, cpu = time.perf_counter(), time.process_time()
    result = match_cohort(people, volunteers, "de", weights, k=k)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    rss = peak_rss_mb()  # before any dense matrix
    started = time.perf_counter()
    baseline = greedy_over(result.candidates, volunteers)
    greedy_seconds = time.perf_counter() - started
    figures: dict[str, float | int | str] = {
        "learners": learners,
        "mentors": mentors,
        "seed": seed,
        "k": k,
        "candidates": int(result.candidates.learner.size),
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),  # on a busy machine, what the matching itself took
        "peak_rss_mb": rss,
        "score": round(sum(result.score), 1),
        "matched": len(result.pairs),
        "greedy_seconds": round(greedy_seconds, 2),
        "greedy_score": round(scored(result.candidates, baseline), 1),
        "greedy_matched": len(baseline),
    }
    if compare_exact:
        figures.update(exact_figures(people, volunteers, weights, sum(result.score)))
    print(json.dumps(figures))
    return figures


def exact_figures(
    people: list[Learner], volunteers: list[Mentor], weights: MatchingWeights, score: float
) -> dict[str, float | int | str]:
    """The dense exact assignment and greedy over every pair, and how far the candidates' result is."""
    seats = sum(max(m.capacity, 0) for m in volunteers)
    if len(people) * seats > DENSE_LIMIT:
        return {"exact_score": "too large for the dense matrix"}
    started = time.perf_counter()
    matrix = scores(components(people, volunteers, "de"), weights)
    pairs = assign(matrix, volunteers, weights)
    exact_seconds = time.perf_counter() - started
    exact = total(matrix, pairs)
    baseline = greedy(matrix, volunteers)
    return {
        "exact_seconds": round(exact_seconds, 2),
        "exact_score": round(exact, 1),
        "exact_matched": len(pairs),
        "gap_percent": round(100 * (exact - score) / exact, 3) if exact else 0.0,
        "dense_greedy_score": round(total(matrix, baseline), 1),
        "dense_greedy_matched": len(baseline),
    }
