"""Who is in the coordinators' group, through both adapters. Alerts there carry a learner's own
words: someone who is not a coordinator joining is reported to the coordinators privately at once,
and until they are out of the group its alerts (the ones already there too) show nothing but their
number, while everything else for the coordinators goes to each of them privately; once only
coordinators are in it, the group is told and its alerts are shown in full again. Telegram never
lists a group's members to a bot, so members it counts but has not seen join make the group
unverified until a coordinator vouches for them."""

from __future__ import annotations

from datetime import timedelta

from bot.admin import run_admin
from bot.simulation import Simulation
from tests.journeys import (
    add_coordinator,
    begin_mentoring,
    cohort_simulation,
    onboard_cohort,
    raise_urgent_about_the_mentor,
)

WORDS = "He shouts at me when I am late"
POINTER = "Someone in this group may not be a coordinator, so I show no details here"
FULL_AGAIN = "only coordinators are in this group now: alerts here show their details again"


def sent(sim: Simulation, chat: str, since: int) -> list[str]:
    """The bot's new messages in a chat (not its edits of older ones)."""
    return [e.text for e in sim.transcript(chat, since) if e.sender == "bot" and not e.edit]


def alerts_in(sim: Simulation, chat: str) -> list[str]:
    """Every alert in a chat as it reads now."""
    return [t for t in sim.current_texts(chat) if "Concern #" in t]


async def test_both_adapters_ask_telegram_for_others_joining_and_leaving(cohort: Simulation) -> None:
    # Telegram sends chat_member updates only to a bot that lists them in allowed_updates.
    assert {"chat_member", "my_chat_member"} <= cohort.emulator.api.allowed_updates


async def test_someone_who_is_not_a_coordinator_joining_closes_the_alerts_until_they_leave(
    cohort: Simulation,
) -> None:
    sim = cohort
    sim.add_user("mallory", "Mallory", "en", username="mallory_m")
    _, learner, _ = await begin_mentoring(sim)
    await raise_urgent_about_the_mentor(sim, learner, WORDS)
    assert WORDS in alerts_in(sim, "coordinators")[0]

    # Carla makes the bot an administrator: from now on it hears of everyone joining. The group
    # hides join messages: only the chat_member update tells.
    await sim.promote_bot("coordinators", by="carla")
    mark = sim.last_seq()
    await sim.join_group("coordinators", "mallory", by="carla", service_message=False)
    (report,) = sent(sim, "carla", mark)
    assert report.startswith("⚠️ Mallory @mallory_m has been in the coordinators' group since")
    assert "is not a coordinator" in report and "/invite coordinator" in report
    # The alert already in the group is taken back to its number; nothing new is said there.
    (alert,) = alerts_in(sim, "coordinators")
    assert alert.startswith("🔴 Concern #1 · open") and POINTER in alert and "/case 1" in alert
    assert WORDS not in alert and learner.title() not in alert
    assert sent(sim, "coordinators", mark) == []

    # A new concern: the group sees its number only, with its buttons; /case shows it in private.
    mark = sim.last_seq()
    await sim.send(learner, "/concern")
    await sim.press(learner, "^A problem with my mentor$")
    await sim.press(learner, "^Urgent: today$")
    await sim.send(learner, "He took my phone")
    (pointer,) = sent(sim, "coordinators", mark)
    assert pointer.startswith("🔴 Concern #2 · open") and "He took my phone" not in pointer
    assert sim.transcript("coordinators")[-1].buttons[0][0] == "Acknowledge"
    assert "He took my phone" in (await sim.send("carla", "/case 2"))[0].text
    # What else is for the coordinators reaches each of them privately meanwhile.
    mark = sim.last_seq()
    await sim.send(learner, "/pause")
    assert sent(sim, "coordinators", mark) == []
    assert f"{learner.title()} (learner) paused Tandem." in sent(sim, "carla", mark)

    # Who is in the group: in the chat and for the operator.
    listing = (await sim.send("carla", "/group"))[-1].text
    assert "Carla (coordinator), since" in listing
    assert "Mallory @mallory_m (⚠️ not a coordinator), since" in listing
    assert "Alerts in the group show nothing but their number" in listing
    assert "Only coordinators" in (await sim.send(learner, "/group"))[-1].text
    operator = await run_admin(["group"], sim.tandem)
    assert f"{sim.users['mallory']}\t-\tno\t" in operator
    assert "Mallory @mallory_m\tNOT A COORDINATOR" in operator
    assert "alerts there: their number only" in operator

    # Carla removes Mallory: the group hears alerts are whole again, and they are.
    mark = sim.last_seq()
    await sim.leave_group("coordinators", "mallory", by="carla", service_message=False)
    assert [t for t in sent(sim, "coordinators", mark) if FULL_AGAIN in t]
    first, second = alerts_in(sim, "coordinators")
    assert WORDS in first and "He took my phone" in second and POINTER not in first + second
    assert "alerts there: in full" in await run_admin(["group"], sim.tandem)


async def test_a_join_seen_only_in_the_group_s_service_message_is_reported_too(cohort: Simulation) -> None:
    sim = cohort  # the bot is no administrator here: Telegram sends it no chat_member updates
    sim.add_user("max", "Max", "en")
    mark = sim.last_seq()
    await sim.join_group("coordinators", "max")
    (report,) = sent(sim, "carla", mark)
    assert report.startswith("⚠️ Max has been in the coordinators' group since")
    listing = (await sim.send("carla", "/group"))[-1].text
    assert "Make me an administrator of the group, so that I see everyone who joins." in listing
    await sim.leave_group("coordinators", "max")
    assert "show their details" in (await sim.send("carla", "/group"))[-1].text


async def test_members_counted_but_never_seen_wait_for_a_coordinator_to_vouch(framework: str) -> None:
    sim = cohort_simulation(framework)
    dora = sim.add_user("dora", "Dora", "en")
    # Dora is in the group before the bot is: nothing ever told it about her.
    sim.emulator.join_group(sim.groups["coordinators"], dora, service_message=False)
    await sim.start()
    try:
        await onboard_cohort(sim)  # Carla becomes the first coordinator
        asked = [t for t in sent(sim, "carla", 0) if "Telegram does not show a bot who else" in t]
        assert asked == [
            "The coordinators' group has 2 members besides me, and I know who 1 of them are: Telegram "
            "does not show a bot who else is in a group. Until you check, alerts there show nothing but "
            "their number. Look at the group's members in Telegram: if they are all coordinators, press "
            "the button; if not, remove whoever should not be there. /group shows whom I know.\n"
            "Make me an administrator of the group, so that I see everyone who joins."
        ]
        listing = (await sim.send("carla", "/group"))[-1].text
        assert "Members I have not seen join: 1 (vouched for by a coordinator: 0)" in listing
        _, learner, _ = await begin_mentoring(sim)
        await raise_urgent_about_the_mentor(sim, learner, WORDS)
        (alert,) = alerts_in(sim, "coordinators")
        assert POINTER in alert and WORDS not in alert

        mark = sim.last_seq()
        await sim.press("carla", "^They are all coordinators$")
        assert [t for t in sent(sim, "coordinators", mark) if FULL_AGAIN in t]
        assert WORDS in alerts_in(sim, "coordinators")[0]

        # Someone slips in unseen (a join the bot hears nothing of): the next count finds them.
        sim.add_user("eve", "Eve", "en")
        sim.emulator.join_group(sim.groups["coordinators"], sim.users["eve"], service_message=False)
        mark = sim.last_seq()
        await sim.send("carla", "/group")
        assert [t for t in sent(sim, "carla", mark) if t.startswith("The coordinators' group has 3 members")]
        assert POINTER in alerts_in(sim, "coordinators")[0]
        # An old button vouches for no more than it was asked about.
        old = next(e for e in sim.transcript("carla") if e.text.startswith("The coordinators' group has 2"))
        await sim.press_data("carla", old.message_id, old.data[0][0] or "")
        assert POINTER in alerts_in(sim, "coordinators")[0]
    finally:
        await sim.stop()


async def test_a_coordinator_removed_while_in_the_group_is_reported_at_once(cohort: Simulation) -> None:
    sim = cohort
    sim.add_user("dan", "Dan", "en")
    await add_coordinator(sim, "dan")
    await sim.promote_bot("coordinators", by="carla")
    mark = sim.last_seq()
    await sim.join_group("coordinators", "dan", by="carla")  # service message and chat_member
    assert not [t for t in sent(sim, "carla", mark) + sent(sim, "dan", mark) if "⚠️" in t]

    dan = next(line for line in (await run_admin(["team"], sim.tandem)).splitlines() if line.endswith("Dan"))
    await run_admin(["remove-coordinator", dan.split("\t")[0]], sim.tandem)
    await sim.advance(timedelta(minutes=1))  # the running bot sends what the operator's command wrote
    assert [t for t in sent(sim, "carla", mark) if t.startswith("⚠️ Dan has been in the coordinators' group")]
    assert "Dan (⚠️ not a coordinator), since" in (await sim.send("carla", "/group"))[-1].text
