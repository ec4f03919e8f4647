"""The shipped /start flow, through both adapters over real HTTP against the emulator."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.admin import run_admin
from bot.i18n import language_name, shipped_locales
from bot.simulation import Simulation
from storage.models import FlowState, Person


async def person(sim: Simulation, name: str) -> Person:
    async with sim.tandem.db.unit_of_work() as uow:
        found = await uow.people.by_telegram_id(sim.users[name])
        assert found is not None
        return found


async def test_start_without_a_code_explains_the_programme_and_how_to_join(sim: Simulation) -> None:
    sim.add_user("alice", "Alice", language_code="de-DE")
    replies = await sim.send("alice", "/start")
    assert len(replies) == 2
    # The programme's name in German, as the programme file gives it.
    assert "Hallo Alice" in replies[0].text and "Tandem-Beispielprogramm" in replies[0].text
    assert "ehrenamtlichen Mentor" in replies[0].text  # what the programme is
    assert len(replies[1].buttons) == 3  # learner / volunteer / coordinator

    replies = await sim.press("alice", "(?i)lernend|azubi|auszubild")
    assert replies[0].edit and "→" in replies[0].text and not replies[0].buttons
    assert "Einladungslink" in replies[-1].text and "mentoring@example.org" in replies[-1].text

    stored = await person(sim, "alice")
    assert (stored.role, stored.requested_role, stored.preferred_name) == (None, "learner", None)
    async with sim.tandem.db.unit_of_work() as uow:
        assert await uow.flows.of(stored.id) is None


async def test_a_volunteer_applies_without_a_code_and_back_returns_one_step(sim: Simulation) -> None:
    sim.add_user("bob", "Bob", language_code="en")
    await sim.send("bob", "/start")
    replies = await sim.press("bob", "volunteer")
    assert "application" in replies[-2].text and "Is that all right with you?" in replies[-1].text
    replies = await sim.press("bob", "^Yes$")
    assert "What should I call you?" in replies[-1].text
    replies = await sim.send("bob", "/back")
    assert "Is that all right with you?" in replies[-1].text
    replies = await sim.send("bob", "/back")
    assert "This is the first question." in replies[-1].text


async def test_cancel_leaves_the_flow(sim: Simulation) -> None:
    sim.add_user("cem", "Cem", language_code="fr")
    await sim.send("cem", "/start")
    replies = await sim.send("cem", "/cancel")
    assert "/start" in replies[-1].text
    replies = await sim.send("cem", "bonjour")
    assert "/start" in replies[-1].text  # no flow waits any more
    async with sim.tandem.db.unit_of_work() as uow:
        assert (await uow.session.execute(select(FlowState))).first() is None


async def test_restart_halfway_continues_where_they_were(sim: Simulation) -> None:
    sim.add_user("dana", "Dana", language_code="en")
    await sim.send("dana", "/start")
    await sim.press("dana", "volunteer")
    await sim.press("dana", "^Yes$")
    await sim.restart()  # a new process on the same database
    replies = await sim.send("dana", "Dana")
    assert "Which language should I use with you?" in replies[-1].text
    replies = await sim.press("dana", "^English$")
    assert "Which fields do you know" in replies[-1].text


async def test_duplicate_update_has_one_effect(sim: Simulation) -> None:
    sim.add_user("eve", "Eve", language_code="en")
    before = sim.last_seq()
    injected = sim.emulator.send_text(sim.users["eve"], "/start")
    await sim.wait_handled(injected.update_id)
    await sim.redeliver(injected.update_id, times=2)
    greetings = [t for t in sim.bot_texts("eve", before) if t.startswith("Hello Eve")]
    assert len(greetings) == 1
    assert sim.tandem.dispatcher.handled[injected.update_id] == 2


async def test_a_429_is_waited_out_and_the_message_arrives(sim: Simulation) -> None:
    sim.add_user("finn", "Finn", language_code="en")
    sim.emulator.force_429(sim.users["finn"], retry_after=1, count=1)
    loop_time = asyncio.get_running_loop().time
    started = loop_time()
    replies = await sim.send("finn", "/start")
    assert replies and replies[0].text.startswith("Hello Finn")
    assert sim.emulator.stats.too_many_requests >= 1
    assert loop_time() - started >= 1.0  # it waited retry_after before trying again


async def test_a_403_marks_the_person_unreachable_and_is_not_retried(sim: Simulation) -> None:
    await a_coordinator(sim, "gina", "en")  # kept: someone who never agrees is forgotten in a day
    await sim.send("gina", "/start")
    # Gina blocks the bot, but the bot only learns it when it next writes (the nudge a day later).
    sim.emulator.state.user(sim.users["gina"]).blocked = True
    await sim.advance(timedelta(hours=25))
    assert sim.emulator.stats.forbidden == 1
    stored = await person(sim, "gina")
    assert stored.unreachable_since is not None
    await sim.advance(timedelta(days=7))  # sweeps and ticks: nothing tries again
    assert sim.emulator.stats.forbidden == 1


async def test_blocking_is_noticed_from_the_member_update(sim: Simulation) -> None:
    sim.add_user("hana", "Hana", language_code="en")
    await sim.send("hana", "/start")
    await sim.block("hana")
    assert (await person(sim, "hana")).unreachable_since is not None
    await sim.advance(timedelta(days=2))
    assert sim.emulator.stats.forbidden == 0  # the nudge was not even tried
    await sim.unblock("hana")
    assert (await person(sim, "hana")).unreachable_since is None


async def test_unanswered_question_gets_one_nudge_after_a_day(sim: Simulation) -> None:
    await a_coordinator(sim, "ivan", "en")  # kept: someone who never agrees is forgotten in a day
    await sim.send("ivan", "/start")
    mark = sim.last_seq()
    await sim.advance(timedelta(hours=23))
    assert sim.bot_texts("ivan", mark) == []
    await sim.advance(timedelta(hours=2))
    texts = sim.bot_texts("ivan", mark)
    assert len(texts) == 1 and "Shall we go on?" in texts[0] and "Which language" in texts[0]
    await sim.advance(timedelta(days=5))
    assert len(sim.bot_texts("ivan", mark)) == 1


@dataclass(frozen=True)
class Said:
    """What a coordinator reads in one language, and the buttons they tap."""

    language: str  # its own name, on its button
    which_language: str
    call_you: str
    shall_i: str  # {name}
    thanks: str  # {name}
    first_question: str
    yes: str
    no: str
    sorry: str


SAID = {
    "en": Said(
        "English",
        "Which language should I use with you?",
        "What should I call you?",
        "Shall I call you {name}? Is everything right?",
        "Thank you, {name}! Send /help to see what you can do.",
        "This is the first question.",
        "Yes",
        "No",
        "Sorry, something went wrong",
    ),
    "de": Said(
        "Deutsch",
        "In welcher Sprache soll ich dir schreiben?",
        "Wie soll ich dich nennen?",
        "Soll ich dich {name} nennen? Stimmt alles so?",
        "Danke, {name}! Schick /help, dann siehst du, was du tun kannst.",
        "Das ist die erste Frage.",
        "Ja",
        "Nein",
        "Entschuldigung, bei uns ist etwas schiefgelaufen",
    ),
    "fr": Said(
        "Français",
        "Dans quelle langue veux-tu que je t’écrive\u202f?",
        "Comment je t’appelle\u202f?",
        "Je t’appelle {name}\u202f? Tout est correct\u202f?",
        "Merci, {name}\u202f! Envoie /help pour voir ce que tu peux faire.",
        "C’est la première question.",
        "Oui",
        "Non",
        "Désolé, quelque chose n’a pas marché",
    ),
    "es": Said(
        "Español",
        "¿En qué idioma te escribo?",
        "¿Cómo quieres que te llame?",
        "¿Te llamo {name}? ¿Está todo bien?",
        "¡Gracias, {name}! Envía /help para ver lo que puedes hacer.",
        "Esta es la primera pregunta.",
        "Sí",
        "No",
        "Lo siento, algo ha fallado",
    ),
    "pt": Said(
        "Português",
        "Em que língua queres que te escreva?",
        "Como queres que te trate?",
        "Trato-te por {name}? Está tudo certo?",
        "Obrigado, {name}! Envia /help para veres o que podes fazer.",
        "Esta é a primeira pergunta.",
        "Sim",
        "Não",
        "Desculpa, algo correu mal",
    ),
    "ar": Said(
        "العربية",
        "بأي لغة أتحدث معك؟",
        "بماذا أناديك؟",
        "هل أناديك {name}؟ هل كل شيء صحيح؟",
        "شكرًا لك يا {name}! أرسل /help لترى ما يمكنك فعله.",
        "هذا هو السؤال الأول.",
        "نعم",
        "لا",
        "عذرًا، حدث خطأ من جهتنا",
    ),
}


async def a_coordinator(sim: Simulation, key: str, language: str) -> None:
    sim.add_user(key, key.title(), language_code=language)
    code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
    await sim.send(key, f"/start {code}")
    assert (await person(sim, key)).role == "coordinator"


@pytest.mark.parametrize("language", ["en", "de", "es", "pt", "ar"])
async def test_a_coordinators_start_sets_language_and_name_after_a_no(sim: Simulation, language: str) -> None:
    said = SAID[language]
    await a_coordinator(sim, "carla", language)
    mark = sim.last_seq()

    replies = await sim.send("carla", "/start")
    assert said.which_language in replies[-1].text
    buttons = [b for row in replies[-1].buttons for b in row]
    # Every shipped language in its own name, English first: the list grows with each catalogue.
    assert buttons == [language_name(code) for code in shipped_locales()]
    assert buttons[0] == "English" and {"Deutsch", "Français"} <= set(buttons)
    assert [b for row in replies[-1].buttons for b in row] == [language_name(c) for c in shipped_locales()]
    replies = await sim.send("carla", "/back")  # the flow began here: nothing before it
    assert said.first_question in replies[-1].text and said.which_language in replies[-1].text
    replies = await sim.press("carla", f"^{said.language}$")
    assert said.call_you in replies[-1].text
    replies = await sim.send("carla", "Carlotta")
    assert replies[-1].text == said.shall_i.format(name="Carlotta")
    replies = await sim.press("carla", f"^{said.no}$")  # not right: from the language again
    assert said.which_language in replies[-1].text
    await sim.press("carla", f"^{said.language}$")
    replies = await sim.send("carla", "Carla")
    assert replies[-1].text == said.shall_i.format(name="Carla")
    replies = await sim.press("carla", f"^{said.yes}$")
    assert replies[-1].text == said.thanks.format(name="Carla")

    stored = await person(sim, "carla")
    assert (stored.role, stored.preferred_name, stored.locale) == ("coordinator", "Carla", language)
    async with sim.tandem.db.unit_of_work() as uow:
        assert await uow.flows.of(stored.id) is None
    replies = await sim.send("carla", "/start")  # again: the same questions, not an apology
    assert said.which_language in replies[-1].text
    assert not [t for t in sim.bot_texts("carla", mark) if said.sorry in t]


@pytest.mark.parametrize(("language", "other"), [("de", "en"), ("en", "fr"), ("fr", "ar")])
async def test_a_coordinators_profile_changes_language_and_name(
    sim: Simulation, language: str, other: str
) -> None:
    own, then = SAID[language], SAID[other]
    await a_coordinator(sim, "cora", language)
    mark = sim.last_seq()

    replies = await sim.send("cora", "/profile")
    assert own.which_language in replies[-1].text
    replies = await sim.press("cora", f"^{then.language}$")  # the next question comes in it
    assert then.call_you in replies[-1].text
    replies = await sim.send("cora", "Cora Lee")
    assert replies[-1].text == then.shall_i.format(name="Cora Lee")
    replies = await sim.press("cora", f"^{then.yes}$")
    assert replies[-1].text == then.thanks.format(name="Cora Lee")

    stored = await person(sim, "cora")
    assert (stored.preferred_name, stored.locale) == ("Cora Lee", other)
    replies = await sim.send("cora", "/profile")
    assert then.which_language in replies[-1].text
    assert not [t for t in sim.bot_texts("cora", mark) if own.sorry in t or then.sorry in t]
