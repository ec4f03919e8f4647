"""Texts about a person in their grammatical gender: ``G_`` extracts a message per gender, and
``Translator.gendered`` picks the one for what the person said of themselves."""

from __future__ import annotations

import re
from io import BytesIO
from zoneinfo import ZoneInfo

from babel.messages.extract import extract

from bot.i18n import Translator
from bot.i18n import extract as extract_gendered

BERLIN = ZoneInfo("Europe/Berlin")
MATCHED = (
    "Good news, {name}! Your mentor is {mentor}. What you have in common: {reasons}. "
    "{mentor} will suggest a time for your first meeting."
)
KEYWORDS = {"N_": None, "G_": None, "pgettext": ((1, "c"), 2)}


def test_a_gendered_text_is_extracted_plainly_and_once_per_gender() -> None:
    source = b'PLAIN = N_("Hello")\nABOUT = G_("Your mentor is {name}.")\n'
    extracted = extract(extract_gendered, BytesIO(source), KEYWORDS)
    found = {(message, context) for _, message, _, context in extracted}
    assert found == {
        ("Hello", None),
        ("Your mentor is {name}.", None),
        ("Your mentor is {name}.", "woman"),
        ("Your mentor is {name}.", "man"),
    }


def test_german_says_mentorin_or_mentor_when_known_and_neutral_words_otherwise() -> None:
    t = Translator("de", BERLIN)
    fields = {"name": "Lena", "mentor": "Jonas", "reasons": "beide im Bereich Kfz"}
    assert "Deine Mentorin ist Jonas." in t.gendered(MATCHED, "woman", **fields)
    assert "Dein Mentor ist Jonas." in t.gendered(MATCHED, "man", **fields)
    for unknown in (None, "other"):
        neutral = t.gendered(MATCHED, unknown, **fields)
        assert "Jonas begleitet dich" in neutral and not re.search(r"\b(Mentorin|Mentor)\b|\*", neutral)


def test_english_reads_the_msgid_whatever_the_gender() -> None:
    t = Translator("en", BERLIN)
    assert t.gendered(MATCHED, "woman", name="Lena", mentor="Jonas", reasons="x").startswith(
        "Good news, Lena! Your mentor is Jonas."
    )


def test_a_text_without_gendered_forms_falls_back_to_its_plain_translation() -> None:
    assert Translator("de", BERLIN).gendered("Yes", "woman") == "Ja"


def test_a_summary_line_is_punctuated_as_the_language_wants() -> None:
    assert Translator("en", BERLIN).labelled("Field", "cars") == "Field: cars"
    assert Translator("fr", BERLIN).labelled("Métier", "voitures") == "Métier\u00a0: voitures"
