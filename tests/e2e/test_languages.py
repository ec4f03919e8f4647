"""Every shipped language, as a person meets it: someone whose Telegram is set to it (with or without a
region) is greeted in it, with the questions and buttons in it, and can pick it among the languages."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.i18n import Translator, language_name, shipped_locales
from bot.simulation import Simulation
from conversations.welcome import ROLES

QUESTION = "Which of these describes you?"
# Telegram sends IETF tags, sometimes with a region Tandem has no catalogue of.
TELEGRAM_CODE = {"pt": "pt-br", "es": "es-419", "nl": "nl-BE", "de": "de-AT", "fr": "fr-CA"}


@pytest.mark.parametrize("language", [code for code in shipped_locales() if code != "en"])
async def test_a_person_is_greeted_in_their_telegram_language(sim: Simulation, language: str) -> None:
    t = Translator(language, ZoneInfo("Europe/Berlin"))
    assert t(QUESTION) != QUESTION, f"{language}: the welcome question is not translated"
    sim.add_user("noor", "Noor", language_code=TELEGRAM_CODE.get(language, language))
    greeting, question = await sim.send("noor", "/start")
    hello = t("Hello {name}! I am Tandem, the companion of {programme}.", name="Noor", programme="")
    assert greeting.text.startswith(hello.split("Noor")[0]) and "Noor" in greeting.text
    assert question.text == t(QUESTION)
    assert [label for row in question.buttons for label in row] == [t(role.label) for role in ROLES]

    await sim.press("noor", f"^{t(ROLES[0].label)}$")  # a learner: told how to join, in the language
    said = await sim.send("noor", "/language")
    names = [label for row in said[-1].buttons for label in row]
    assert language_name(language) in names and len(names) >= len(shipped_locales())
