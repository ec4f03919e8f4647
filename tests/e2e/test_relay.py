"""Safe pair messaging through both adapters: /msg and the buttons pass words, photos, voice notes and
documents between a learner and their mentor as the bot's copies, labelled with the sender's name and
with a reply button; neither side's Telegram id or username ever reaches the other (checked on the
emulator's log of every Bot API call); a command instead of the message is a command; the rate
limit answers clearly; forged and stale buttons are refused; /mydata shows the messages and
/delete takes them away."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from bot.emulator import Entry
from bot.simulation import Simulation
from storage.models import AuditEntry, Concern, RelayedMessage
from tests.journeys import (
    agree_tuesdays,
    amira_takes_both,
    begin_mentoring,
    delete_my_data,
    introduced,
    last_file,
    rows,
    until,
    write_to_partner,
)


def requests_to(sim: Simulation, who: str) -> list[str]:
    """Every Bot API call the bot made into a person's chat, as JSON."""
    chat = str(sim.users[who])
    return [
        json.dumps(r.params, ensure_ascii=False, default=str)
        for r in sim.emulator.state.requests
        if str(r.params.get("chat_id")) == chat
    ]


async def test_words_photos_voice_and_documents_go_both_ways_as_copies(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    for key, username in ((learner, "lena_secret"), (mentor, "peter_private")):
        sim.emulator.state.users[sim.users[key]].username = username

    asked = await sim.send(learner, "/msg")
    assert "Write your message to Peter" in asked[-1].text
    mark = sim.last_seq()
    told = await sim.send(learner, "Shall we meet at the city library?\n\n\nI am free:\n- Tuesday\n- Friday")
    assert told[-1].text == "Sent to Peter."
    (copy,) = [e for e in sim.transcript(mentor, mark) if e.sender == "bot"]
    # the lines as she wrote them (three breaks become one blank line)
    written = "Shall we meet at the city library?\n\nI am free:\n- Tuesday\n- Friday"
    assert copy.text == f"✉️ From Lena:\n\n{written}"
    assert copy.buttons == [["Reply"]]

    # Peter answers with the button, with a photo; then a voice note and a document by /msg.
    mark = sim.last_seq()
    await sim.press(mentor, "^Reply$")
    assert "Write your message to Lena" in sim.bot_texts(mentor, mark)[-1]
    told = await sim.photo(mentor, "library.jpg")
    assert "Sent to Lena." in [e.text for e in told]  # then his question of the first meeting again
    photo = [e for e in sim.transcript(learner, mark) if e.sender == "bot"][-1]
    assert photo.kind == "photo" and photo.text == "✉️ From Peter:" and photo.buttons == [["Reply"]]
    mark = sim.last_seq()
    await sim.press(learner, "^Reply$")
    await sim.voice(learner, 5)
    voice = [e for e in sim.transcript(mentor, mark) if e.sender == "bot"][-1]
    assert voice.kind == "voice" and voice.text == "✉️ From Lena:"
    await sim.send(mentor, "/msg")
    await sim.document(mentor, "homework.pdf")
    document = [e for e in sim.transcript(learner) if e.sender == "bot"][-1]
    assert document.kind == "document" and document.document == "homework.pdf"

    # Nothing of either account reached the other's chat: not the id, not the username.
    for reader, writer, username in ((mentor, learner, "lena_secret"), (learner, mentor, "peter_private")):
        calls = requests_to(sim, reader)
        assert calls, "the log holds the calls into the chat"
        assert not [c for c in calls if str(sim.users[writer]) in c or username in c]
    assert len(await rows(sim, RelayedMessage)) == 4


async def test_a_command_instead_of_the_message_is_a_command(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    await sim.send(learner, "/msg")
    mark = sim.last_seq()
    replies = await sim.send(learner, "/help")
    assert "/msg" in replies[-1].text
    assert not sim.bot_texts(mentor, mark)  # nothing was passed on
    assert await sim.send(learner, "/cancel")
    await sim.send(learner, "Nothing goes now")
    assert not sim.bot_texts(mentor, mark)
    assert await rows(sim, RelayedMessage) == []


async def test_a_sticker_is_refused_and_the_question_asked_again(cohort: Simulation) -> None:
    sim = cohort
    learner, _ = await introduced(sim)
    await sim.send(learner, "/msg")
    replies = await sim.sticker(learner, "😀")
    assert "I can pass on words, a photo, a voice note or a document" in replies[-1].text
    assert "Write your message to Peter" in replies[-1].text


async def test_the_rate_limit_answers_clearly(cohort: Simulation) -> None:
    sim = cohort
    learner, _ = await introduced(sim)
    per_hour = sim.tandem.dispatcher.rules.relay.per_hour
    for n in range(per_hour):
        assert (await write_to_partner(sim, learner, f"message {n}"))[-1] == "Sent to Peter."
    replies = await sim.send(learner, "/msg")
    assert replies[-1].text == (
        f"You have sent the most messages for one hour ({per_hour}). "
        "Please wait a little before you write again."
    )
    await sim.advance(timedelta(hours=1, minutes=1))
    assert (await write_to_partner(sim, learner, "later"))[-1] == "Sent to Peter."


async def test_forged_and_stale_reply_buttons_are_refused(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    await write_to_partner(sim, learner, "Hello Peter")
    copy = sim.find(mentor, "From Lena")
    assert copy is not None
    data = copy.data[0][0]
    assert data is not None
    # Lena presses Peter's button (forged into her chat), and data nobody made.
    mark = sim.last_seq()
    await sim.press_data(learner, copy.message_id, data)
    await sim.press_data(mentor, copy.message_id, "rl1:999999")
    await sim.press_data(mentor, copy.message_id, "rl1:x")
    await sim.press_data("tom", copy.message_id, "rh1:1:ok")
    assert sim.toasts(learner, mark) == ["This button is not for you."]
    assert sim.toasts(mentor, mark) == ["This button is no longer active."] * 2
    assert sim.toasts("tom", mark) == ["This button is not for you."]
    assert not sim.bot_texts(mentor, mark) and not [t for t in sim.bot_texts(learner, mark) if "Write" in t]


async def test_relayed_messages_are_in_mydata_and_go_with_delete(cohort: Simulation) -> None:
    sim = cohort
    learner, _ = await introduced(sim)
    await write_to_partner(sim, learner, "See you on Tuesday")
    await sim.send(learner, "/mydata")
    data = json.loads(last_file(sim, learner, "my-data"))
    (said,) = data["messages_with_your_partner"]
    assert said["from"] == "Lena" and said["to"] == "Peter" and said["words"] == "See you on Tuesday"
    await delete_my_data(sim, learner)
    assert await rows(sim, RelayedMessage) == []


async def test_a_mentor_of_two_chooses_whom_to_write_to(cohort: Simulation) -> None:
    sim = cohort
    await amira_takes_both(sim)
    asked = await sim.send("amira", "/msg")
    assert asked[-1].text == "About which of your learners?" and asked[-1].buttons == [["Lena"], ["Tom"]]
    await sim.press("amira", "^Tom$")
    assert "Write your message to Tom" in sim.bot_texts("amira")[-1]
    mark = sim.last_seq()
    await sim.send("amira", "Hi Tom, see you soon")
    assert sim.bot_texts("tom", mark)[-1] == "✉️ From Amira:\n\nHi Tom, see you soon"
    assert not sim.bot_texts("lena", mark)


async def test_a_minors_phone_number_is_held_then_passed_on(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    mark = sim.last_seq()
    told = await write_to_partner(sim, learner, "Call me: 0176 1234 5678")
    assert told[-1].startswith("Your message waits for a coordinator before it goes to Peter")
    assert not sim.bot_texts(mentor, mark)
    alert = held_alert(sim, mark)
    assert alert.text.startswith("✉️ A message from Lena to Peter waits for a coordinator.")
    assert "contact details, and the learner is a minor" in alert.text and "0176 1234 5678" in alert.text
    assert alert.buttons == [["Pass it on", "Reject"]]

    await sim.press("carla", "^Pass it on$", chat=chat_of(sim, alert))
    assert sim.bot_texts(mentor, mark)[-1] == "✉️ From Lena:\n\nCall me: 0176 1234 5678"
    assert sim.bot_texts(learner, mark)[-1] == "A coordinator passed your message on to Peter."
    assert sim.current_texts(chat_of(sim, alert), mark)[-1].endswith("Passed on by Carla.")
    # A second press on any copy decides nothing more.
    again = sim.last_seq()
    await sim.press_data("carla", alert.message_id, next(d for r in alert.data for d in r if d))
    assert not sim.bot_texts(mentor, again)


async def test_a_held_message_rejected_tells_the_sender_the_note(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    mark = sim.last_seq()
    await write_to_partner(sim, mentor, "Add me on insta: peter_b")
    alert = held_alert(sim, mark)
    await sim.press("carla", "^Reject$", chat=chat_of(sim, alert))
    assert "Why is the message not passed on? Peter reads your note:" in sim.bot_texts("carla")[-1]
    await sim.send("carla", "Please keep contact inside the programme.")
    assert sim.bot_texts(mentor)[-1] == (
        "Your message to Lena was not passed on. "
        "A coordinator says: Please keep contact inside the programme."
    )
    assert not [t for t in sim.bot_texts(learner, mark) if "insta" in t]
    assert sim.current_texts(chat_of(sim, alert), mark)[-1].endswith("Not passed on (Carla).")


async def test_an_urgent_phrase_raises_a_concern_and_holds_the_message(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    mark = sim.last_seq()
    await write_to_partner(sim, learner, "sometimes i want to die")
    assert not sim.bot_texts(mentor, mark)
    (concern,) = await rows(sim, Concern)
    assert concern.kind == "phrase:self_harm" and concern.severity == "urgent"
    everything = "\n".join(sim.bot_texts("coordinators", mark) + sim.bot_texts("carla", mark))
    assert "a message to their partner" in everything
    assert "Why: words about self-harm" in everything


async def test_a_less_severe_phrase_raises_a_concern_and_the_message_goes(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    mark = sim.last_seq()
    told = await write_to_partner(sim, learner, "honestly i want to quit my apprenticeship")
    assert told[-1] == "Sent to Peter."
    assert sim.bot_texts(mentor, mark)[-1].endswith("honestly i want to quit my apprenticeship")
    (concern,) = await rows(sim, Concern)
    assert concern.kind == "phrase:quitting" and concern.severity == "high"


def held_alert(sim: Simulation, since: int) -> Entry:
    """The hold's alert: in the coordinators' group, or (while others may read it) in Carla's chat."""
    for chat in ("coordinators", "carla"):
        found = sim.find(chat, "waits for a coordinator", since)
        if found is not None:
            return found
    raise AssertionError("no alert of a held message")


def chat_of(sim: Simulation, entry: Entry) -> str:
    return "coordinators" if entry.chat_id == sim.chat_id("coordinators") else "carla"


async def test_at_night_a_message_waits_for_the_recipients_morning(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    await until(sim, datetime(2026, 3, 2, 21, 30, tzinfo=UTC))  # 22:30 in Berlin, the programme's zone
    mark = sim.last_seq()
    told = await write_to_partner(sim, learner, "Are you awake?")
    assert told[-1] == (
        "It is quiet time for Peter now: your message reaches them on Tuesday, 3 March 2026 at 07:00."
    )
    assert not sim.bot_texts(mentor, mark)
    (message,) = await rows(sim, RelayedMessage)
    assert message.status == "quiet"
    await until(sim, datetime(2026, 3, 3, 5, 59, tzinfo=UTC))  # 06:59 in Berlin
    assert not sim.bot_texts(mentor, mark)
    await sim.advance(timedelta(minutes=2))
    assert sim.bot_texts(mentor, mark) == ["✉️ From Lena:\n\nAre you awake?"]

    # Quiet hours are the recipient's own: in New York it is the afternoon, so it goes at once.
    async with sim.tandem.db.unit_of_work() as uow:
        peter = await uow.people.by_telegram_id(sim.users[mentor])
        assert peter is not None
        peter.timezone = "America/New_York"
    await until(sim, datetime(2026, 3, 3, 21, 30, tzinfo=UTC))  # 16:30 in New York
    mark = sim.last_seq()
    assert (await write_to_partner(sim, learner, "Still there?"))[-1] == "Sent to Peter."
    assert sim.bot_texts(mentor, mark) == ["✉️ From Lena:\n\nStill there?"]


async def test_the_button_under_help_asks_for_the_message(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    shown = (await sim.send(learner, "/help"))[-1]
    assert ["Message Peter"] in shown.buttons  # the one partner, by name
    asked = await sim.press(learner, "^Message Peter$")
    assert "Write your message to Peter" in asked[-1].text
    assert [f"Message {learner.title()}"] in (await sim.send(mentor, "/help"))[-1].buttons
    assert not [row for row in (await sim.send("tom", "/help"))[-1].buttons if "Message" in row[0]]


async def test_a_held_message_leaves_the_coordinators_chats_with_its_writer(cohort: Simulation) -> None:
    sim = cohort
    learner, _ = await introduced(sim)
    mark = sim.last_seq()
    await write_to_partner(sim, learner, "my number is 0176 1234 5678")
    alert = held_alert(sim, mark)
    await delete_my_data(sim, learner)
    now = [t for t in sim.current_texts(chat_of(sim, alert), mark) if "held message" in t]
    assert now == ["✉️ A held message is gone: one of the pair deleted their data."]
    assert not [t for t in sim.current_texts(chat_of(sim, alert), mark) if "0176" in t]


async def test_direct_contact_is_for_adults_once_both_agree(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    replies = await sim.send(learner, "/direct")  # Lena said she is 16-17: relay only
    assert replies[-1].text == "In this programme you and Peter write to each other through me: use /msg."

    async with sim.tandem.db.unit_of_work() as uow:
        lena = await uow.people.by_telegram_id(sim.users[learner])
        assert lena is not None
        lena.profile = {**lena.profile, "age": "18-21"}
    asked = await sim.send(learner, "/direct")
    assert asked[-1].text.startswith("Write to Peter directly on Telegram")
    mark = sim.last_seq()
    told = await sim.press(learner, "^Yes$")
    assert told[-1].text.startswith("I asked Peter.")
    assert sim.bot_texts(mentor, mark) == [
        "Lena would like to write to you directly on Telegram. If you agree too, send /direct."
    ]
    await sim.send(mentor, "/direct")
    await sim.press(mentor, "^Yes$")
    for reader, other in ((learner, mentor), (mentor, learner)):
        agreed = sim.find(reader, "agreed to write to each other directly", mark)
        assert agreed is not None
        message = sim.emulator.message(agreed.chat_id, agreed.message_id)
        assert message is not None
        (row,) = message.json["reply_markup"]["inline_keyboard"]
        assert row[0]["url"] == f"tg://user?id={sim.users[other]}"


async def test_coordinators_read_a_pairs_messages_only_through_an_open_case(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    await write_to_partner(sim, learner, "See you at the library")
    await write_to_partner(sim, mentor, "Great, 5 pm")
    assert (await sim.send("lena", "/messages 1"))[-1].text == "Only coordinators can see concerns."
    assert "There is no concern with that number" in (await sim.send("carla", "/messages 1"))[-1].text

    await write_to_partner(sim, learner, "i want to quit my apprenticeship")  # raises concern #1
    (concern,) = await rows(sim, Concern)
    shown = (await sim.send("carla", f"/messages {concern.id}"))[-1].text
    lines = shown.splitlines()
    assert lines[0] == (
        f"Messages between Lena and Peter, read through concern #{concern.id} (this reading is recorded):"
    )
    assert lines[1].endswith("Lena → Peter: See you at the library")
    assert lines[2].endswith("Peter → Lena: Great, 5 pm")
    (read,) = [entry for entry in await rows(sim, AuditEntry) if entry.action == "relay.read"]
    assert read.detail == {"concern": concern.id, "pair": concern.pair_id}

    await sim.press("carla", "^Resolve$", chat="coordinators")
    await sim.press("carla", "^No action needed$", chat="coordinators")
    refused = (await sim.send("carla", f"/messages {concern.id}"))[-1].text
    assert refused.startswith(f"Concern #{concern.id} is resolved or about no pair")
    assert len([e for e in await rows(sim, AuditEntry) if e.action == "relay.read"]) == 1


async def test_the_exact_public_place_agreed_goes_into_reminders_and_calendars(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    planned = await agree_tuesdays(sim, learner, mentor)  # a public place

    asked = await sim.send(learner, "/place")
    assert asked[-1].text.startswith("Which public place exactly do you suggest to Peter?")
    # A place is no way round the relay's screening: a number or an account is refused.
    for sneaky in ("my flat, call 0171 2345678", "ask for @lena_k on insta"):
        refused = (await sim.send(learner, sneaky))[-1].text
        assert refused.startswith("Please name the place only, without a phone number")
    assert not [t for t in sim.bot_texts(mentor) if "0171" in t or "lena_k" in t]
    await sim.send(learner, "the city library, main entrance")
    assert sim.bot_texts(learner)[-1] == "I asked Peter whether you meet there."
    assert "Lena suggests meeting at: the city library, main entrance. Agreed?" in sim.bot_texts(mentor)[-1]
    await sim.press(mentor, "^Yes$")
    assert sim.bot_texts(learner)[-1] == (
        "Agreed: you and Peter meet at the city library, main entrance. "
        "Your reminders and calendar files say so."
    )

    await sim.press(learner, "^Add to calendar$")
    weekly = Calendar.from_ical(last_file(sim, learner, "tandem-weekly-"))
    assert str(next(iter(weekly.walk("VEVENT")))["LOCATION"]) == "the city library, main entrance"
    await until(sim, planned[0].starts_at - timedelta(hours=47))
    assert sim.bot_texts(mentor)[-1].endswith("the city library, main entrance?")

    # A new suggestion the partner turns down leaves no exact place: back to "a public place".
    await sim.send(mentor, "/place")
    await sim.send(mentor, "Café Central")
    await sim.press(learner, "^No$")
    assert (
        sim.bot_texts(mentor)[-1]
        == "Lena would rather meet somewhere else. Suggest another place with /place."
    )
    await sim.press(learner, "^Add to calendar$")
    one = Calendar.from_ical(last_file(sim, learner, "tandem-session-"))
    assert "public place" in str(next(iter(one.walk("VEVENT")))["LOCATION"])


async def test_no_place_to_name_before_a_public_place_was_chosen(cohort: Simulation) -> None:
    sim = cohort
    learner, _ = await introduced(sim)
    replies = await sim.send(learner, "/place")
    assert replies[-1].text == (
        "You and Peter have not chosen a public place to meet, so there is no place to name."
    )


async def test_a_held_message_leaves_a_group_someone_else_may_read(cohort: Simulation) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    mark = sim.last_seq()
    await write_to_partner(sim, learner, "text me 0176 1234 5678")
    alert = held_alert(sim, mark)
    assert chat_of(sim, alert) == "coordinators"  # only Carla reads the group

    sim.add_user("max", "Max", "en")
    await sim.join_group("coordinators", "max")
    shown = [t for t in sim.current_texts("coordinators", mark) if "held message" in t]
    assert shown == [
        "✉️ A held message waits for a coordinator. Someone in this group may not be a coordinator, "
        "so I sent it to each coordinator privately."
    ]
    private = sim.find("carla", "0176 1234 5678", mark)
    assert private is not None and private.buttons == [["Pass it on", "Reject"]]
    await sim.press("carla", "^Pass it on$")
    assert sim.bot_texts(mentor, mark)[-1].endswith("text me 0176 1234 5678")
    assert not [t for t in sim.current_texts("coordinators", mark) if "0176" in t]
    assert [t for t in sim.current_texts("coordinators", mark) if t.endswith("Passed on by Carla.")]


async def test_what_the_pair_writes_never_reaches_the_log(
    cohort: Simulation, caplog: pytest.LogCaptureFixture
) -> None:
    sim = cohort
    learner, mentor = await introduced(sim)
    caplog.set_level(logging.DEBUG)  # everything every library logs, at its most talkative
    await write_to_partner(sim, learner, "Zebra-Kuchen am Donnerstag")
    await write_to_partner(sim, mentor, "Quokka 0176 1234 5678")
    await write_to_partner(sim, learner, "Wombat i want to die")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "relay: message" in logged  # the log says what happened, by ids and kinds
    for words in ("Zebra", "Quokka", "0176", "Wombat"):
        assert words not in logged
