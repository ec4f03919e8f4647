"""Screening what people write to the bot against phrase lists: self-harm, abuse, violence, quitting.

The lists are data files, one per language: ``bot/services/phrases/<language>.toml``, each category a table
with its severity and its phrases. A programme extends them with files of the same shape in the
directory named by the environment variable ``TANDEM_PHRASES_DIR`` (read here, when the lists are
first loaded): ``de.toml`` there adds to the German lists, ``de.berlin.toml`` too (the language is
the file name up to the first dot); a new category needs a severity, a known one may change it.

Text and phrases are folded the same way before matching, so the spellings of a phone keyboard
match: case, accents and umlauts ("schlägt", "schlagt" and "schlaegt" are one word), ß and ss,
apostrophes ("don't" and "dont"), punctuation, doubled letters ("dieee"), runs of white space.
A phrase matches whole words only: "quit" is not found in "quite", "ich hör auf" not in "ich höre
auf zu rauchen" (but in "ich hör auf zu rauchen": short spoken forms are listed on purpose; a
coordinator dismisses a false alarm in a second, a missed one costs more).

A match raises a concern of kind ``phrase:<category>``. Neither the text nor the phrase is logged.

A voice note where words would be screened (a check-in comment) cannot be:
no list hears audio. So a coordinator listens instead (``unscreened``): it raises a concern of kind
``unscreened:voice``, severity "normal" (it can wait), with the voice note attached, as a listed
phrase of that severity would; a second one while it is open joins it, its voice passed on too.
Where a voice note already goes to the coordinators in a concern of its own (a concern told, the
monthly pair check's note), nothing more is needed.
"""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, StringConstraints

from bot.config import ConfigError, read_model
from bot.context import Context
from bot.i18n import N_
from bot.services import concerns
from storage.models import Pair, Person

log = logging.getLogger(__name__)

SHIPPED_DIR = Path(__file__).parent / "phrases"
DIR_VARIABLE = "TANDEM_PHRASES_DIR"
RANK = {"urgent": 0, "high": 1, "normal": 2}  # the most severe first
CATEGORY_NAMES = {
    "self_harm": N_("self-harm"),
    "abuse": N_("abuse"),
    "violence": N_("violence"),
    "quitting": N_("quitting"),
}
SOURCES = {
    "check-in": N_("a check-in comment"),
    "reflection": N_("a shared reflection"),
    "monitoring": N_("the monthly pair check"),
    "relationship_check": N_("the relationship check"),
    "relay": N_("a message to their partner"),
}
SCREENING_LINE = N_("Screening: a phrase about {category} in {source}: “{phrase}”")
UNSCREENED = "unscreened:voice"
UNSCREENED_LINE = N_("Not screened: a voice note in {source}. Please listen to it.")

Severity = Literal["urgent", "high", "normal"]
CategoryName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*$")]


# --- folding -------------------------------------------------------------------------------

_SPELLED_OUT = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})
# Cyrillic as phones type it: Ukrainian "і" on a Russian keyboard is "и" or a Latin "i", "є" is "е", "ґ"
# is "г"; Russian "ы", "э" and the hard sign (where Ukrainian writes an apostrophe) likewise.
_CYRILLIC = str.maketrans(
    {"і": "i", "ї": "i", "и": "i", "й": "i", "ы": "i", "є": "е", "э": "е", "ґ": "г", "ъ": ""}
)
# Arabic letters typed either way on a phone: hamza carriers, alif maqsura and ya, ta marbuta and ha,
# the Persian keyboard's ya and kaf, and the tatweel that only stretches a word.
_ARABIC_VARIANTS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ة": "ه", "ک": "ك", "ـ": None}
)
_APOSTROPHES = re.compile(r"['’‘`´ʼ]")
_NOT_A_WORD = re.compile(r"[\W_]+")
_UMLAUT_SPELLED = re.compile(r"([aou])e")  # "ae" written for "ä": both fold to "a"
_REPEATED = re.compile(r"([^\W\d])\1+")


def fold(text: str) -> str:
    """Lower case, no accents or apostrophes, umlauts and ß and doubled letters folded, words
    separated by one space. Text and phrases go through the same folding."""
    text = text.casefold().translate(_SPELLED_OUT)  # casefold makes "ß" "ss"
    text = text.translate(_CYRILLIC)
    text = text.translate(_ARABIC_VARIANTS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _APOSTROPHES.sub("", text)
    text = _NOT_A_WORD.sub(" ", text)
    text = _UMLAUT_SPELLED.sub(r"\1", text)
    text = _REPEATED.sub(r"\1", text)
    return text.strip()


# --- the lists -----------------------------------------------------------------------------


def _some_words(phrase: str) -> str:
    if not fold(phrase):
        raise ValueError(f"{phrase!r} has no letters to match")
    return phrase


Phrase = Annotated[str, AfterValidator(_some_words)]


class CategoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: Severity | None = None
    phrases: list[Phrase] = Field(min_length=1)


class PhraseFile(RootModel[dict[CategoryName, CategoryFile]]):
    pass


@dataclass(frozen=True, slots=True)
class Match:
    category: str
    severity: str
    phrase: str  # as the list writes it


@dataclass(slots=True)
class _Category:
    severity: str | None
    phrases: list[str]


class PhraseBook:
    """Every language's lists, each compiled into one pattern."""

    def __init__(self, lists: dict[str, dict[str, _Category]]) -> None:
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._found: dict[str, dict[str, Match]] = {}  # language -> folded phrase -> match
        for language, categories in lists.items():
            found: dict[str, Match] = {}
            ranked = sorted(categories.items(), key=lambda item: RANK[item[1].severity or "normal"])
            for name, category in ranked:
                for phrase in category.phrases:  # the first (most severe) category keeps a phrase
                    found.setdefault(fold(phrase), Match(name, category.severity or "normal", phrase))
            if not found:
                continue
            # At each word start, the alternatives are tried most severe first, longest first, and
            # must end at a word's end: one search finds the most severe phrase at every position.
            ordered = sorted(found, key=lambda folded: (RANK[found[folded].severity], -len(folded)))
            alternatives = "|".join(re.escape(folded) for folded in ordered)
            self._patterns[language] = re.compile(rf"(?<!\w)(?=({alternatives})(?!\w))")
            self._found[language] = found
        self.languages = tuple(sorted(self._patterns))

    def match(self, text: str, locale: str) -> Match | None:
        """The most severe phrase in ``text``: the person's language first, then every other list
        (learners mix languages); on equal severity the person's language and the earlier words win."""
        folded = fold(text)
        own = locale.replace("-", "_").split("_", 1)[0].lower()
        order = sorted(self.languages, key=lambda language: language != own)
        best: Match | None = None
        for language in order:
            for hit in self._patterns[language].finditer(folded):
                candidate = self._found[language][hit.group(1)]
                if best is None or RANK[candidate.severity] < RANK[best.severity]:
                    best = candidate
            if best is not None and best.severity == "urgent":
                break
        return best


def _language_of(path: Path) -> str:
    return path.name.split(".", 1)[0].lower()


def _merge(lists: dict[str, dict[str, _Category]], path: Path) -> None:
    name = f"{path.parent.name}/{path.name}"
    parsed = read_model(name, path.read_text(encoding="utf-8"), PhraseFile)
    categories = lists.setdefault(_language_of(path), {})
    for key, category in parsed.root.items():
        known = categories.get(key)
        if known is None:
            if category.severity is None:
                raise ConfigError(f"{name}: {key}.severity: a new category needs a severity")
            categories[key] = _Category(category.severity, list(category.phrases))
        else:
            known.severity = category.severity or known.severity
            known.phrases.extend(category.phrases)


def load_phrases(extra_dir: Path | None = None) -> PhraseBook:
    """The shipped lists, extended by ``extra_dir`` (else ``$TANDEM_PHRASES_DIR``, when set)."""
    if extra_dir is None and os.environ.get(DIR_VARIABLE):
        extra_dir = Path(os.environ[DIR_VARIABLE])
    return _load(extra_dir)


@cache
def _load(extra_dir: Path | None) -> PhraseBook:
    lists: dict[str, dict[str, _Category]] = {}
    for path in sorted(SHIPPED_DIR.glob("*.toml")):
        _merge(lists, path)
    if extra_dir is not None:
        if not extra_dir.is_dir():
            raise ConfigError(f"{DIR_VARIABLE}: {extra_dir} is not a directory")
        for path in sorted(extra_dir.glob("*.toml")):
            _merge(lists, path)
    return PhraseBook(lists)


# --- the hook ------------------------------------------------------------------------------


async def screen(ctx: Context, text: str | None, *, pair: Pair | None, source: str) -> Match | None:
    """Raise a concern about the learner when ``text`` (someone wrote it, ``source`` says where)
    holds a listed phrase; the phrase found (its severity decides what else happens to the text)."""
    if not text or not text.strip():
        return None
    try:
        book = load_phrases()
    except ConfigError as exc:  # a programme's broken list must not lose the learner's answer
        log.error("phrase lists not loaded, text not screened: %s", exc)
        return None
    found = book.match(text, ctx.t.locale)
    if found is None:
        return None
    subject = await _subject(ctx, pair)
    t = concerns.staff_translator(ctx)
    label = CATEGORY_NAMES.get(found.category)
    line = t(
        SCREENING_LINE,
        category=t(label) if label else found.category.replace("_", " "),
        source=t(SOURCES[source]) if source in SOURCES else source,
        phrase=found.phrase,
    )
    log.info("phrase screening: a %s phrase in a %s by person %s", found.category, source, ctx.person.id)
    await concerns.raise_concern(
        ctx,
        kind=f"phrase:{found.category}",
        severity=found.severity,
        subject=subject,
        pair=pair,
        raised_by=None,
        text=text,
        line=line,
        author=ctx.person,
    )
    return found


async def unscreened(ctx: Context, voice_file_id: str | None, *, pair: Pair | None, source: str) -> None:
    """A voice note where words would be screened: a coordinator listens to it (a concern of
    normal severity, the voice attached), since no phrase list can."""
    if not voice_file_id:
        return
    t = concerns.staff_translator(ctx)
    line = t(UNSCREENED_LINE, source=t(SOURCES[source]) if source in SOURCES else source)
    log.info("phrase screening: a voice note in a %s by person %s, for a coordinator", source, ctx.person.id)
    await concerns.raise_concern(
        ctx,
        kind=UNSCREENED,
        severity="normal",
        subject=await _subject(ctx, pair),
        pair=pair,
        raised_by=None,
        voice_file_id=voice_file_id,
        line=line,
        author=ctx.person,
    )


async def _subject(ctx: Context, pair: Pair | None) -> Person | None:
    """Whom a screened answer's concern is about: the learner who wrote it, or the mentor's learner."""
    if ctx.person.role == "learner":
        return ctx.person
    return await ctx.uow.people.get(pair.learner_id) if pair is not None else None
