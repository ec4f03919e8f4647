"""The gettext catalogues in ``locales/``: complete, consistent, compiled and up to date.

When one of these fails, ``tools/i18n.sh`` usually fixes it (extract, update, compile); then
translate what it reports as new or fuzzy.

No ``__init__.py`` in this folder on purpose: a package named ``locales`` here would shadow
the real ``locales`` package that ``bot.i18n`` imports.
"""

from __future__ import annotations

import re
import string
import subprocess
import sys
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo, write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
DOMAIN = "tandem"
TEMPLATE = LOCALES / f"{DOMAIN}.pot"
# Every language with a catalogue besides English (the source): every message must be translated.
TRANSLATED = tuple(sorted({p.parents[1].name for p in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.po")} - {"en"}))
SHIPPED = ("en", *TRANSLATED)  # English: the source language, msgstr may stay empty

# The same arguments as tools/i18n.sh (and the comment in pyproject.toml): change them together.
EXTRACT_ARGS = (
    "extract", "-F", "pyproject.toml", "-k", "N_", "-k", "t", "-k", "plural:1,2",
    "-k", "G_", "-k", "pgettext:1c,2", "--no-default-keywords", "--sort-by-file", f"--project={DOMAIN}",
)  # fmt: skip
SOURCES = ("bot", "conversations")

Key = str | tuple[str, ...]


def load_po(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def po_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def keys(catalogue: Catalog) -> set[tuple[Key, str | None]]:
    """Every message's msgid (a tuple for plurals) with its context, the header left out."""
    return {(m.id, m.context) for m in catalogue if m.id}


def forms(value: Key) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


def fields(text: str) -> set[tuple[str, str, str | None]]:
    """The replacement fields of a str.format text: name, format spec and conversion."""
    return {
        (name, spec or "", conversion)
        for _, name, spec, conversion in string.Formatter().parse(text)
        if name is not None
    }


COMMAND = re.compile(r"(?<![\w/])/[a-z][a-z_]*\b")
QUOTED = re.compile(r"“([^”]+)”")


@pytest.fixture(scope="module")
def template() -> Catalog:
    return load_po(TEMPLATE)


@pytest.fixture(scope="module", params=TRANSLATED)
def translated(request: pytest.FixtureRequest) -> Catalog:
    return load_po(po_path(request.param), locale=request.param)


def translations(catalogue: Catalog) -> list[tuple[Message, str, str]]:
    """(message, msgid form, translation form) for every form of every message."""
    pairs = []
    for message in catalogue:
        if not message.id:
            continue
        ids, strings = forms(message.id), forms(message.string)
        for index, text in enumerate(strings):
            pairs.append((message, ids[min(index, len(ids) - 1)], text))
    return pairs


# --- complete ---------------------------------------------------------------------------------


def test_template_is_up_to_date_with_the_code(tmp_path: Path, template: Catalog) -> None:
    fresh = tmp_path / f"{DOMAIN}.pot"
    command = [sys.executable, "-m", "babel.messages.frontend", "-q", *EXTRACT_ARGS]
    subprocess.run([*command, "-o", str(fresh), *SOURCES], cwd=ROOT, check=True, capture_output=True)
    extracted = keys(load_po(fresh))
    assert extracted == keys(template), (
        "locales/tandem.pot is out of date: run tools/i18n.sh\n"
        f"new in the code: {sorted(map(str, extracted - keys(template)))}\n"
        f"gone from the code: {sorted(map(str, keys(template) - extracted))}"
    )


@pytest.mark.parametrize("lang", SHIPPED)
def test_catalogue_has_exactly_the_template_messages(lang: str, template: Catalog) -> None:
    catalogue = load_po(po_path(lang), locale=lang)
    assert keys(catalogue) == keys(template), f"run tools/i18n.sh to update locales/{lang}"
    assert not catalogue.fuzzy, f"the header of locales/{lang} is fuzzy: pybabel will not compile it"


def test_every_message_is_translated(translated: Catalog, template: Catalog) -> None:
    lang = translated.locale_identifier
    problems = []
    for message in template:
        if not message.id:
            continue
        found = translated.get(message.id, message.context)
        if found is None:
            problems.append(f"missing: {message.id!r}")
        elif found.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(form.strip() for form in forms(found.string)):
            problems.append(f"untranslated: {message.id!r}")
        elif isinstance(message.id, tuple) and len(forms(found.string)) != translated.num_plurals:
            problems.append(f"wrong number of plural forms: {message.id!r}")
    assert not problems, f"locales/{lang}:\n" + "\n".join(problems)


# French keeps gettext's traditional two forms: CLDR's third is for exact millions, which no
# message here counts.
TRADITIONAL_PLURALS = {"fr": "nplurals=2; plural=(n > 1);"}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_plural_forms_are_cldr_s(lang: str) -> None:
    """The header's rule decides which form a count reads: it must be the language's (CLDR)."""
    header = load_po(po_path(lang), locale=lang).plural_forms
    expected = TRADITIONAL_PLURALS.get(lang) or get_plural(lang).plural_forms
    assert header == expected, f"locales/{lang}: Plural-Forms {header!r}, CLDR says {expected!r}"


@pytest.mark.parametrize("lang", SHIPPED)
def test_every_language_has_its_training_course(lang: str) -> None:
    assert (LOCALES / lang / "training.toml").is_file(), f"locales/{lang}/training.toml is missing"


# --- consistent -------------------------------------------------------------------------------


def test_placeholders_are_those_of_the_msgid(translated: Catalog) -> None:
    problems = []
    for message, source, text in translations(translated):
        try:
            expected, found = fields(source), fields(text)
        except ValueError as exc:  # an unmatched brace: str.format would raise at runtime
            problems.append(f"{message.id!r}: {exc} in {text!r}")
            continue
        if isinstance(message.id, tuple):  # a plural form may leave out the count
            expected, found = expected - {("n", "", None)}, found - {("n", "", None)}
        if found != expected:
            problems.append(f"{message.id!r}: {sorted(found)} instead of {sorted(expected)}")
    assert not problems, f"locales/{translated.locale_identifier}:\n" + "\n".join(problems)


def test_commands_stay_untranslated(translated: Catalog) -> None:
    problems = [
        f"{message.id!r} → {text!r}"
        for message, source, text in translations(translated)
        if sorted(COMMAND.findall(source)) != sorted(COMMAND.findall(text))
    ]
    assert not problems, f"locales/{translated.locale_identifier}:\n" + "\n".join(problems)


def test_quoted_labels_match_their_translation(translated: Catalog) -> None:
    """“Done” in a hint names the button: the hint must use the button's translated label."""
    problems = []
    for message, source, text in translations(translated):
        for label in QUOTED.findall(source):
            button = translated.get(label)
            if button is not None and button.string and button.string not in text:
                problems.append(f"{message.id!r} should name {button.string!r}: {text!r}")
    assert not problems, f"locales/{translated.locale_identifier}:\n" + "\n".join(problems)


def test_german_uses_german_quotes() -> None:
    problems = [
        text
        for _, _, text in translations(load_po(po_path("de"), locale="de"))
        if '"' in text or text.count("„") != text.count("“") or "”" in text
    ]
    assert not problems, "use „…“ in German:\n" + "\n".join(problems)


def test_french_punctuation_has_no_break_spaces() -> None:
    problems = [
        text for _, _, text in translations(load_po(po_path("fr"), locale="fr")) if _bad_french_spacing(text)
    ]
    assert not problems, "French: a no-break space before ? ! ; : » and after «:\n" + "\n".join(problems)


def _bad_french_spacing(text: str) -> bool:
    for match in re.finditer(r"[?!;:»]", text):
        before = text[match.start() - 1] if match.start() else ""
        if match.group() == ":" and before.isdigit():
            continue  # a time like 17:30
        if before not in ("\u00a0", "\u202f"):
            return True
    for match in re.finditer("«", text):
        if text[match.end() : match.end() + 1] not in ("\u00a0", "\u202f"):
            return True
    return False


# --- compiled ---------------------------------------------------------------------------------


def compiled(data: bytes) -> dict[tuple[Key, str | None], Key]:
    # Plural messages come back as lists: make them hashable and comparable.
    def plain(value: object) -> object:
        return tuple(value) if isinstance(value, list) else value

    return {(plain(m.id), m.context): plain(m.string) for m in read_mo(BytesIO(data))}


@pytest.mark.parametrize("lang", SHIPPED)
def test_mo_file_is_compiled_from_the_current_po(lang: str) -> None:
    assert mo_path(lang).is_file(), f"run tools/i18n.sh to compile locales/{lang}"
    fresh = BytesIO()
    write_mo(fresh, load_po(po_path(lang), locale=lang), use_fuzzy=False)
    assert compiled(mo_path(lang).read_bytes()) == compiled(fresh.getvalue()), (
        f"locales/{lang}/LC_MESSAGES/{DOMAIN}.mo is older than its .po: run tools/i18n.sh"
    )


# --- used -------------------------------------------------------------------------------------


def test_the_bot_ships_and_uses_the_catalogues() -> None:
    from bot.i18n import Translator, negotiate, shipped_locales

    berlin = ZoneInfo("Europe/Berlin")
    assert set(SHIPPED) <= set(shipped_locales())
    assert Translator("de", berlin)("Yes") == "Ja"
    assert Translator("fr", berlin)("No") == "Non"
    assert Translator("en", berlin)("Yes") == "Yes"
    assert Translator("de", berlin)("Please send a number from {min} to {max}.", min=1, max=5) == (
        "Bitte schick eine Zahl von 1 bis 5."
    )
    assert negotiate("fr-CA") == "fr"


# --- simple language --------------------------------------------------------------------------

SIMPLE = "simple"
SIMPLE_LANGS = tuple(sorted(p.parents[1].name for p in LOCALES.glob(f"*/LC_MESSAGES/{SIMPLE}.po")))


def simple_path(lang: str, suffix: str = "po") -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{SIMPLE}.{suffix}"


@pytest.fixture(scope="module", params=SIMPLE_LANGS)
def simple(request: pytest.FixtureRequest) -> Catalog:
    return load_po(simple_path(request.param), locale=request.param)


def test_simple_language_ships_in_english_german_and_french() -> None:
    assert {"en", "de", "fr"} <= set(SIMPLE_LANGS)


def test_every_simple_text_is_a_text_of_the_template(simple: Catalog, template: Catalog) -> None:
    """A simple version is found by the normal English msgid: one the template lost is never shown."""
    gone = [m.id for m in simple if m.id and template.get(m.id, m.context) is None]
    assert not gone, f"locales/{simple.locale_identifier}/{SIMPLE}.po, not in the template:\n" + "\n".join(
        map(repr, gone)
    )


def test_every_simple_text_is_written(simple: Catalog) -> None:
    empty = [m.id for m in simple if m.id and (m.fuzzy or not all(f.strip() for f in forms(m.string)))]
    assert not empty and not simple.fuzzy, f"{simple.locale_identifier}: empty or fuzzy: {empty}"


def test_simple_texts_keep_placeholders_and_commands(simple: Catalog) -> None:
    problems = []
    for message, source, text in translations(simple):
        if fields(text) != fields(source):
            problems.append(f"{message.id!r}: {sorted(fields(text))} instead of {sorted(fields(source))}")
        if not set(COMMAND.findall(text)) <= set(COMMAND.findall(source)):  # fewer is simpler
            problems.append(f"{message.id!r}: a command the text has not, in {text!r}")
    assert not problems, f"locales/{simple.locale_identifier}/{SIMPLE}.po:\n" + "\n".join(problems)


def test_simple_texts_name_the_buttons_as_they_read(simple: Catalog) -> None:
    """“Done” in a simple English text names the button: the German and French ones use its label."""
    lang = simple.locale_identifier
    english = load_po(simple_path("en"), locale="en")
    buttons = load_po(po_path(lang), locale=lang) if lang != "en" else None
    problems = []
    for message in simple:
        source = english.get(message.id)
        if not message.id or source is None:
            continue
        for label in QUOTED.findall(str(source.string)):
            found = buttons.get(label) if buttons is not None else None
            wanted = found.string if found is not None and found.string else label
            if wanted not in str(message.string):
                problems.append(f"{message.id!r} should name {wanted!r}: {message.string!r}")
    assert not problems, f"locales/{lang}/{SIMPLE}.po:\n" + "\n".join(problems)


def test_simple_german_and_french_typography() -> None:
    german = [t for _, _, t in translations(load_po(simple_path("de"), locale="de")) if '"' in t or "”" in t]
    french = [
        t for _, _, t in translations(load_po(simple_path("fr"), locale="fr")) if _bad_french_spacing(t)
    ]
    assert not german and not french, f"German quotes: {german}\nFrench spacing: {french}"


@pytest.mark.parametrize("lang", SIMPLE_LANGS)
def test_simple_mo_file_is_compiled_from_the_current_po(lang: str) -> None:
    assert simple_path(lang, "mo").is_file(), f"run tools/i18n.sh to compile locales/{lang}/{SIMPLE}"
    fresh = BytesIO()
    write_mo(fresh, load_po(simple_path(lang), locale=lang), use_fuzzy=False)
    assert compiled(simple_path(lang, "mo").read_bytes()) == compiled(fresh.getvalue()), (
        f"locales/{lang}/LC_MESSAGES/{SIMPLE}.mo is older than its .po: run tools/i18n.sh"
    )


def test_the_translator_reads_simple_language_first_then_the_normal_texts() -> None:
    from bot.i18n import Translator, simple_locales

    berlin = ZoneInfo("Europe/Berlin")
    assert set(SIMPLE_LANGS) <= set(simple_locales())
    simple_de, plain_de = Translator("de", berlin, simple=True), Translator("de", berlin)
    assert simple_de("How old are you?") == "Wie alt bist du?\nTipp auf einen Knopf."
    assert plain_de("How old are you?") == "Wie alt bist du?"
    assert simple_de("Yes") == plain_de("Yes") == "Ja"  # no simple version: the normal one
    hour = Translator("en", berlin, simple=True)(
        "In an hour you meet {name}, {where}.", name="Jo", where="online"
    )
    assert hour == "In one hour you meet Jo.\nWhere: online"
