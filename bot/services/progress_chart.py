"""The learner's progress chart for /progress: motivation and the areas of life week by week, with
that week's session behind them. A 1200 x 800 PNG drawn headless with matplotlib's object API and
Agg; never pyplot, whose global state is not safe across threads."""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bot.i18n import N_, Translator
from bot.services.wellbeing import AREA_NAMES, AREAS, RATING_LEVEL, RATINGS

TITLE = N_("{name}: how things are going")
MOTIVATION = N_("Motivation")
HOW_IT_GOES = N_("How it is going")
WEEK_OF = N_("Week of")
HELD = N_("session held")
MISSED = N_("session missed")
OFF = N_("cancelled or holiday")
EMPTY = N_("No check-ins yet")

DPI = 150
SIZE = (1200 / DPI, 800 / DPI)  # inches; exactly 1200 x 800 px at DPI (no bbox_inches="tight")
MOST_TICKS = 12  # more weeks than this: label every second (third...) week so dates stay legible
MOTIVATION_COLOUR = "#2b5d9b"
# An area keeps its colour from chart to chart, whichever areas a learner answered (C0 is motivation's).
AREA_COLOURS = {code: f"C{index + 1}" for index, (code, _) in enumerate(AREAS)}
# The session of a week, drawn as a band behind it: its legend key and colour.
SESSION_BANDS = {
    "held": ("held", "#cdebc5"),
    "missed": ("missed", "#f5c2c0"),
    "cancelled": ("off", "#e3e3e3"),
    "holiday": ("off", "#e3e3e3"),
}


@dataclass(frozen=True, slots=True)
class Week:
    starts: dt.date  # the day that names the week
    motivation: int | None  # 1..5, None when the check-in was not answered
    areas: Mapping[str, str]  # area code -> "good" | "soso" | "bad", only the areas answered
    session: str | None  # "held" | "missed" | "cancelled" | "holiday" | None (no session that week)


def labels(t: Translator) -> dict[str, str]:
    """Every text the chart shows, translated; the title still holds its ``{name}`` field."""
    texts = {
        "title": t(TITLE),
        "motivation": t(MOTIVATION),
        "how_it_goes": t(HOW_IT_GOES),
        "week_of": t(WEEK_OF),
        "held": t(HELD),
        "missed": t(MISSED),
        "off": t(OFF),
        "empty": t(EMPTY),
    }
    texts |= {f"area.{code}": t(msgid) for code, msgid in AREA_NAMES.items()}
    texts |= {f"rating.{code}": t(msgid) for code, msgid, _ in RATINGS}
    return texts


def render(weeks: Sequence[Week], t: Translator, *, name: str) -> bytes:
    """A PNG (1200 x 800 px) of the learner's check-ins, oldest week first; says so when there are none."""
    figure = draw(weeks, t, name=name)
    buffer = io.BytesIO()
    # No "Software" entry: the same chart gives the same bytes whatever matplotlib drew it.
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def draw(weeks: Sequence[Week], t: Translator, *, name: str) -> Figure:
    """The chart as a figure (``render`` saves it): its texts and dates are the reader's."""
    text = labels(t)
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(t(TITLE, name=name), fontsize=14)
    if weeks:
        _draw(figure, sorted(weeks, key=lambda week: week.starts), t, text)
    else:
        figure.text(0.5, 0.5, text["empty"], ha="center", va="center", fontsize=18, color="#666666")
    return figure


def _draw(figure: Figure, weeks: Sequence[Week], t: Translator, text: Mapping[str, str]) -> None:
    # Weeks sit at their true distance: a week missing from the history keeps its place on the axis.
    xs = [(week.starts - weeks[0].starts).days / 7 for week in weeks]
    mood, areas = figure.subplots(2, 1, sharex=True)
    kinds = _sessions(mood, xs, weeks)
    _sessions(areas, xs, weeks)

    motivation = [math.nan if week.motivation is None else week.motivation for week in weeks]
    mood.plot(xs, motivation, color=MOTIVATION_COLOUR, marker="o", linewidth=2.5, markersize=7)
    mood.set(ylim=(0.5, 5.5), yticks=range(1, 6), ylabel=text["motivation"])
    if kinds:
        bands = [Patch(color=colour, label=text[key]) for key, colour in kinds.items()]
        mood.legend(handles=bands, loc="lower left", bbox_to_anchor=(0, 1), ncols=len(bands), frameon=False)

    present = [code for code, _ in AREAS if any(code in week.areas for week in weeks)]
    for index, code in enumerate(present):
        nudge = (index - (len(present) - 1) / 2) * 0.07  # areas at the same level stay apart
        levels = [RATING_LEVEL[w.areas[code]] + nudge if code in w.areas else math.nan for w in weeks]
        areas.plot(xs, levels, color=AREA_COLOURS[code], marker="o", label=text[f"area.{code}"])
    areas.set_yticks([level for _, _, level in RATINGS], [text[f"rating.{code}"] for code, _, _ in RATINGS])
    areas.set(ylim=(0.5, 3.5), ylabel=text["how_it_goes"], xlabel=text["week_of"], xlim=(-0.6, xs[-1] + 0.6))
    if present:
        areas.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)

    step = math.ceil(len(weeks) / MOST_TICKS)
    areas.set_xticks(xs[::step], [t.date(week.starts, "short") for week in weeks[::step]])
    areas.tick_params(axis="x", labelrotation=30)
    for panel in (mood, areas):
        panel.grid(axis="y", color="#dddddd", linewidth=0.8)
        panel.set_axisbelow(True)


def _sessions(panel: Axes, xs: Sequence[float], weeks: Sequence[Week]) -> dict[str, str]:
    """Bands behind the weeks that had a session; returns the legend keys used and their colours."""
    used: dict[str, str] = {}
    for x, week in zip(xs, weeks, strict=True):
        if week.session is None:
            continue
        key, colour = SESSION_BANDS[week.session]
        panel.axvspan(x - 0.45, x + 0.45, color=colour, linewidth=0, zorder=0)
        used[key] = colour
    return {key: used[key] for key in ("held", "missed", "off") if key in used}
