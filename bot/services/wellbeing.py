"""The words of the weekly check-in, shared by the conversation, the signals and the chart: the
areas of a VET learner's life, how each is going, and motivation as five faces."""

from __future__ import annotations

from bot.i18n import N_

# Each area's code (stored) and its name (a msgid). The order is the order asked and drawn.
AREAS: tuple[tuple[str, str], ...] = (
    ("work", N_("Training company")),
    ("school", N_("Vocational school")),
    ("exams", N_("Exams")),
    ("money", N_("Money")),
    ("housing", N_("Housing")),
    ("health", N_("Health")),
)
AREA_NAMES = dict(AREAS)
URGENT_AREAS = ("money", "housing")  # "bad" once already needs a human quickly

# How an area is going: stored code, label, and its height on the chart (bad 1, good 3).
RATINGS: tuple[tuple[str, str, int], ...] = (
    ("good", N_("Good"), 3),
    ("soso", N_("So-so"), 2),
    ("bad", N_("Bad"), 1),
)
RATING_LEVEL = {code: level for code, _, level in RATINGS}

# Motivation 1 (very low) to 5 (very high), shown as faces so nobody has to read a scale, each
# with a word too: some browsers and phones draw a face they lack as an empty box.
FACES = (N_("😞 Very low"), N_("🙁 Low"), N_("😐 Okay"), N_("🙂 Good"), N_("😄 Very good"))

# Progress on a goal since the last check-in.
PROGRESS: tuple[tuple[str, str], ...] = (
    ("none", N_("None yet")),
    ("some", N_("Some")),
    ("done", N_("Done!")),
)
