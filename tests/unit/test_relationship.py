"""What counts as a clear fall and as one side much lower, in the relationship check's scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.relationship import Trend, apart, fall, score, worried
from storage.models import RelationshipCheck

START = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)


def check(role: str, items: tuple[int, int, int, int, int], days: int = 0) -> RelationshipCheck:
    closeness, trust, usefulness, enjoyment, going_on = items
    return RelationshipCheck(
        pair_id=1,
        person_id=1 if role == "learner" else 2,
        role=role,
        answered_at=START + timedelta(days=days),
        closeness=closeness,
        trust=trust,
        usefulness=usefulness,
        enjoyment=enjoyment,
        going_on=going_on,
    )


def test_a_score_is_the_mean_of_the_five_items() -> None:
    assert score(check("learner", (5, 4, 3, 2, 1))) == 3.0


def test_a_fall_of_a_whole_point_counts_and_less_does_not() -> None:
    assert fall([check("learner", (4, 4, 4, 4, 4)), check("learner", (3, 3, 3, 3, 3), 28)]) == (4.0, 3.0)
    assert fall([check("learner", (4, 4, 4, 4, 4)), check("learner", (4, 3, 3, 3, 3), 28)]) is None
    assert fall([check("learner", (1, 1, 1, 1, 1))]) is None  # one check is no trend
    assert fall([check("learner", (2, 2, 2, 2, 2)), check("learner", (5, 5, 5, 5, 5), 28)]) is None


def test_one_side_much_lower_counts_only_within_one_round() -> None:
    learner, mentor = [check("learner", (5, 5, 5, 5, 5))], [check("mentor", (4, 3, 3, 3, 3), 13)]
    assert apart(Trend(learner, mentor)) == (5.0, 3.2)
    assert apart(Trend(learner, [check("mentor", (4, 3, 3, 3, 3), 15)])) is None  # another round
    assert apart(Trend(learner, [check("mentor", (4, 4, 4, 3, 3), 1)])) is None  # 1.4 apart: no
    assert apart(Trend(learner, [])) is None
    assert worried(Trend(learner, mentor)) and not worried(Trend(learner, []))
