"""Simple language, a person's choice at the language step: short sentences, buttons first.

A learner who picks "English (simple)" reads the simple versions from then on (the onboarding's
questions, the match announcement, /help); picking "English" in /language brings the normal texts
back; a language without a simple catalogue shows its normal texts; /mydata shows the choice and
erasing one's data forgets it.
"""

from __future__ import annotations

import gettext
import json
from datetime import timedelta

import pytest

import bot.i18n
from bot.admin import run_admin
from bot.simulation import Simulation
from tests.journeys import YES, agree_tuesdays, begin_mentoring, last_file, until

WHERE_SIMPLE = "Where do you live?\nTap your area."
WHERE_NORMAL = "Roughly where do you live?"


async def invited_learner(sim: Simulation, who: str, language_code: str = "en") -> None:
    """A learner opens an invite and answers up to the language step (consent, 16-17, a name)."""
    sim.add_user("carla", "Carla", language_code="en")
    sim.add_user(who, who.title(), language_code=language_code)
    code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
    await sim.send("carla", f"/start {code}")
    link = (await sim.send("carla", "/invite learner"))[-1].text
    await sim.send(who, "/start " + link.rsplit("start=", 1)[1])
    await sim.press_option(who, YES)  # consent
    await sim.press_option(who, 1)  # 16-17
    await sim.send(who, who.title())


async def stored_choice(sim: Simulation, who: str) -> tuple[str | None, bool]:
    async with sim.tandem.db.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(sim.users[who])
        assert person is not None
        return person.locale, person.simple_language


async def test_a_learner_who_picks_simple_language_reads_it_and_can_switch_back(sim: Simulation) -> None:
    await invited_learner(sim, "lea")
    buttons = [label for row in sim.transcript("lea")[-1].buttons for label in row]
    assert {"English", "Deutsch", "Français", "English (simple)", "Deutsch (einfach)"} <= set(buttons)

    replies = await sim.press("lea", r"^English \(simple\)$")
    assert WHERE_SIMPLE in replies[-1].text  # the next question, already simple
    assert await stored_choice(sim, "lea") == ("en", True)
    help_text = (await sim.send("lea", "/help"))[-1].text
    assert "I am Tandem.\nI help you in your mentoring programme." in help_text
    assert "/cancel – stop" in help_text and "/cancel – stop the current conversation" not in help_text

    # /language: the question itself is simple; "English" brings the normal texts back.
    asked = (await sim.send("lea", "/language"))[-1].text
    assert asked.startswith("Which language do you want?\nTap a button.")
    replies = await sim.press("lea", "^English$")
    assert "From now on I will write to you in English." in [r.text for r in replies]
    assert WHERE_NORMAL in replies[-1].text  # back to the onboarding, in normal texts
    assert await stored_choice(sim, "lea") == ("en", False)

    # And the simple German, with German's own label.
    await sim.send("lea", "/language")
    replies = await sim.press("lea", r"^Deutsch \(einfach\)$")
    assert "Ab jetzt schreibe ich dir auf Deutsch (einfach)." in [r.text for r in replies]
    assert "Wo wohnst du?\nTipp auf deine Gegend." in replies[-1].text

    await sim.send("lea", "/cancel")
    await sim.send("lea", "/mydata")
    data = json.loads(last_file(sim, "lea", "my-data"))
    assert data["person"]["locale"] == "de" and data["person"]["simple_language"] is True


async def test_a_language_without_a_simple_catalogue_shows_its_normal_texts(
    sim: Simulation, monkeypatch: pytest.MonkeyPatch
) -> None:
    await invited_learner(sim, "lea", language_code="de")
    await sim.press("lea", r"^Deutsch \(einfach\)$")
    # German loses its simple catalogue, as a language that ships none: the person's choice stays,
    # and they read the normal German texts (English's simple catalogue is still there).
    real = bot.i18n.simple_catalogue
    monkeypatch.setattr(
        bot.i18n,
        "simple_catalogue",
        lambda code: gettext.NullTranslations() if code == "de" else real(code),
    )
    replies = await sim.send("lea", "/back")
    assert replies[-1].text.startswith("In welcher Sprache soll ich dir schreiben?")
    help_text = (await sim.send("lea", "/help"))[-1].text
    assert help_text.startswith("Ich bin Tandem und begleite dich in deinem Mentoring-Programm.")
    assert "/cancel – das aktuelle Gespräch beenden" in help_text
    assert await stored_choice(sim, "lea") == ("de", True)


async def test_the_match_announcement_is_simple_for_the_learner_who_chose_it(cohort: Simulation) -> None:
    sim = cohort
    await sim.send("lena", "/language")
    await sim.press("lena", r"^English \(simple\)$")
    review = (await sim.send("lena", "/profile"))[-1].text
    assert (
        review.startswith("This is what you told me.\nIs it right?")
        and "Language: English (simple)" in review
    )
    await sim.send("lena", "/cancel")
    await sim.send("carla", "/match")
    await sim.press("carla", "^Approve$")
    announced = next(t for t in reversed(sim.bot_texts("lena")) if t.startswith("Good news"))
    assert announced.startswith("Good news, Lena!\nYour mentor is ")
    assert "You have this in common: " in announced and "will suggest a time to meet." in announced
    # Her mentor did not choose simple language: the normal text.
    mentors = [t for key in ("peter", "amira") for t in sim.bot_texts(key) if t.startswith("Meet Lena")]
    assert len(mentors) == 1 and "the learner the programme matched with you" in mentors[0]


async def test_erasure_forgets_the_choice(sim: Simulation) -> None:
    await invited_learner(sim, "lea")
    await sim.press("lea", r"^English \(simple\)$")
    await sim.send("lea", "/delete")
    await sim.press("lea", "^Yes$")
    await sim.press("lea", "^Yes$")
    async with sim.tandem.db.unit_of_work() as uow:
        assert await uow.people.by_telegram_id(sim.users["lea"]) is None
    # Back again: the choice went with the rest; the first question is the normal one.
    replies = await sim.send("lea", "/start")
    assert await stored_choice(sim, "lea") == (None, False)
    assert replies[-1].text == "Which of these describes you?"


async def test_session_reminders_and_the_check_in_are_simple_for_her_only(cohort: Simulation) -> None:
    sim = cohort
    await sim.send("lena", "/language")
    await sim.press("lena", r"^English \(simple\)$")
    async with sim.tandem.db.unit_of_work() as uow:  # Lena is the one matched: Peter is not ready
        peter = await uow.people.by_telegram_id(sim.users["peter"])
        assert peter is not None
        peter.ready_at = None
    _, learner, mentor = await begin_mentoring(sim)
    assert (learner, mentor) == ("lena", "amira")
    sessions = await agree_tuesdays(sim, learner, mentor)
    await until(sim, sessions[0].starts_at - timedelta(hours=2))
    asked = [t for t in sim.bot_texts("lena") if t.startswith("Do you still meet Amira?\nWhen: ")]
    assert asked and asked[0].endswith("\nTap a button.")
    assert [t for t in sim.bot_texts("lena") if t.startswith("Tomorrow you meet Amira.\nWhen: ")]
    assert [t for t in sim.bot_texts("amira") if t.startswith("Still on with Lena on ")]  # normal for her
    await until(sim, sessions[0].starts_at + timedelta(hours=3))
    assert sim.bot_texts("lena")[-1].startswith("Did you meet Amira?\nWhen: ")
    await sim.press("lena", "^Yes, we met$")
    assert sim.bot_texts("lena")[-1] == "A short question.\nHow do you feel this week?\nTap a face."
