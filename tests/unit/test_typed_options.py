"""Which option a typed answer names (conversations.inputs.match_option): its label, or the number
or time its label carries; never its place among the buttons, and no guess when two would fit."""

from __future__ import annotations

import pytest

from conversations.inputs import match_option

YEARS_EN = ("not started yet", "1st year", "2nd year", "3rd year or later")
YEARS_DE = ("noch nicht angefangen", "1. Jahr", "2. Jahr", "3. Jahr oder später")
YEARS_FR = ("pas encore commencé", "1re année", "2e année", "3e année ou plus")
AGES = ("under 16", "16–17", "18–21", "22–25", "over 25")
AGES_DE = ("unter 16", "16–17", "18–21", "22–25", "über 25")
CAPACITY = ("1", "2", "3")
TRAVEL = ("online only", "up to 5 km", "up to 10 km", "up to 25 km", "up to 50 km")
TIMES = ("16:30", "17:00", "17:30", "18:00")
ZONES = ("Berlin (08:00)", "London (07:00)", "Istanbul (10:00)")
DAYS = ("Tue, Mar 3", "Wed, Mar 4", "Thu, Mar 12")
YES_NO = ("Yes", "No")
FACES = ("😞 Very low", "🙁 Low", "😐 Okay", "🙂 Good", "😄 Very good")


@pytest.mark.parametrize(
    ("typed", "labels", "meant"),
    [
        # the label itself, case, accents and spaces forgiven
        ("2nd year", YEARS_EN, 2),
        ("  NOCH nicht angefangen ", YEARS_DE, 0),
        ("Uber 25", AGES_DE, 4),
        ("16–17", AGES, 1),
        ("no", YES_NO, 1),
        # a number means the number a label carries, in any language's way of writing it
        ("2", YEARS_EN, 2),
        ("2", YEARS_DE, 2),
        ("2.", YEARS_DE, 2),
        ("1", YEARS_FR, 1),
        ("3", YEARS_EN, 3),
        ("２", YEARS_EN, 2),  # a full-width digit
        ("10", TRAVEL, 2),
        ("5", TRAVEL, 1),
        ("2", CAPACITY, 1),
        ("4", DAYS, 1),
        # a number within a range, where only one range holds it
        ("17", AGES, 1),
        ("19", AGES, 2),
        ("23", AGES_DE, 3),
        # a time for a button that is a time, however it is written
        ("17:30", TIMES, 2),
        ("17.30", TIMES, 2),
        ("17", TIMES, 1),
        ("17 Uhr", TIMES, 1),
        ("18h", TIMES, 3),
        # the face or the word of a face's button alone
        ("🙂", FACES, 3),
        ("very low", FACES, 0),
        ("Gut", ("😞 Sehr wenig", "🙁 Wenig", "😐 Okay", "🙂 Gut", "😄 Sehr gut"), 3),
    ],
)
def test_a_typed_answer_names_the_option_it_means(typed: str, labels: tuple[str, ...], meant: int) -> None:
    assert match_option(typed, labels) == meant


@pytest.mark.parametrize(
    ("typed", "labels"),
    [
        # a place among the buttons is no answer: no options are shown numbered
        ("1", YES_NO),
        ("4", ("a woman", "a man", "no preference")),
        ("2", TIMES),  # not the second time
        ("3", AGES),  # not the third band
        ("8", ZONES),  # a zone's clock is no number of it
        ("0", YEARS_EN),
        # a number no label carries
        ("4", YEARS_EN),
        ("30", AGES),
        ("12", AGES),
        ("7", TRAVEL),
        ("17", ("16:30", "17:30")),  # 17:00 is not offered
        # a number more than one label carries: a range's boundary is asked again, not guessed
        ("16", AGES),
        ("16", AGES_DE),
        ("25", AGES),
        ("18", ("16–18", "18–21")),
        # nothing, or more than a number
        ("", YEARS_EN),
        ("   ", YEARS_EN),
        ("2nd", YEARS_EN),
        ("-2", YEARS_EN),
        ("2 3", YEARS_EN),
        ("year", YEARS_EN),
    ],
)
def test_anything_else_names_no_option(typed: str, labels: tuple[str, ...]) -> None:
    assert match_option(typed, labels) is None
