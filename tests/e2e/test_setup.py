"""/setup: a coordinator adds the bot to a group and sends /setup there, and it becomes the
coordinators' group (stored; the setting is only the default until then). The group it replaces
is told, its alerts keep their number only; what follows for the coordinators goes to the new
group. Anyone else is refused; in a private chat /setup says what to do."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.simulation import Simulation
from storage.models import AuditEntry
from tests.journeys import add_coordinator, begin_mentoring, raise_urgent_about_the_mentor

DONE = (
    "This is now the coordinators' group: alerts and news for the coordinators come here. "
    "/group in my private chat shows who I have seen in it."
)
MOVED = (
    "The coordinators now use another group: nothing more for them comes here, and the alerts "
    "above keep only their number."
)
HOW = (
    "To choose the coordinators' group, add me to the group, then send /setup there. "
    "Everything for the coordinators then goes to that group."
)
REFUSED = "Only a coordinator of the programme can make this group the coordinators' group."


def sent(sim: Simulation, chat: str, since: int) -> list[str]:
    """The bot's new messages in a chat (not its edits of older ones)."""
    return [e.text for e in sim.transcript(chat, since) if e.sender == "bot" and not e.edit]


async def stored_group(sim: Simulation) -> int | None:
    async with sim.tandem.db.unit_of_work() as uow:
        return await uow.groups.coordinators()


async def test_setup_moves_the_coordinators_group_and_alerts_go_to_the_new_one(cohort: Simulation) -> None:
    sim = cohort
    _, learner, _ = await begin_mentoring(sim)
    await raise_urgent_about_the_mentor(sim, learner, "He shouts at me when I am late")
    old_alert = sim.find("coordinators", r"^🔴 Concern #1")
    assert old_alert is not None and "He shouts" in old_alert.text and old_alert.buttons
    assert await stored_group(sim) is None  # the setting named the group so far

    sim.add_group("north", "Coordinators North", ["carla"])
    mark = sim.last_seq()
    await sim.send("carla", "/setup", chat="north")
    assert sent(sim, "north", mark) == [DONE]
    assert sent(sim, "coordinators", mark) == [MOVED]
    assert await stored_group(sim) == sim.groups["north"]
    # The old group's alert keeps its number and state, without the learner's words or buttons.
    (old_now,) = [e for e in sim.transcript("coordinators", mark) if e.edit]
    assert old_now.message_id == old_alert.message_id
    assert "#1" in old_now.text and "shouts" not in old_now.text and not old_now.buttons
    async with sim.tandem.db.unit_of_work() as uow:
        (entry,) = (
            await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "group.setup"))
        ).scalars()
        assert entry.detail == {"chat": sim.groups["north"], "before": sim.groups["coordinators"]}

    # What comes next for the coordinators goes to the new group, nothing to the old one.
    mark = sim.last_seq()
    await sim.send(learner, "/pause")
    assert sent(sim, "north", mark) == [f"{learner.title()} (learner) paused Tandem."]
    await sim.send(learner, "/resume")
    await raise_urgent_about_the_mentor(sim, learner, "He was angry again today")
    (alert,) = [t for t in sent(sim, "north", mark) if "Concern #2" in t]
    assert alert.startswith("🔴 Concern #2 · URGENT · open") and "angry again" in alert
    assert [e for e in sim.transcript("coordinators", mark) if e.sender == "bot"] == []
    assert sent(sim, "carla", mark) == []  # the group takes it: not to each coordinator

    # Once the old group is no longer theirs, its alert is no longer edited.
    mark = sim.last_seq()
    await sim.send("carla", "/case 1")
    await sim.press("carla", "^Acknowledge$")
    assert [e for e in sim.transcript("coordinators", mark) if e.sender == "bot"] == []


async def test_setup_again_in_the_same_group_confirms_and_a_setting_named_group_is_recorded(
    cohort: Simulation,
) -> None:
    sim = cohort
    mark = sim.last_seq()
    await sim.send("carla", "/setup", chat="coordinators")  # the group the setting named
    assert sent(sim, "coordinators", mark) == [DONE]
    assert await stored_group(sim) == sim.groups["coordinators"]
    await sim.send("carla", "/setup", chat="coordinators")
    assert sent(sim, "coordinators", mark) == [DONE, DONE]  # nothing "moved" told to itself
    async with sim.tandem.db.unit_of_work() as uow:
        setups = (
            await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "group.setup"))
        ).all()
        assert len(setups) == 1


async def test_only_a_coordinator_sets_up_a_group_and_in_a_private_chat_setup_explains(
    cohort: Simulation,
) -> None:
    sim = cohort
    sim.add_group("lounge", "Lena's friends", ["lena", "tom"])
    mark = sim.last_seq()
    await sim.send("lena", "/setup", chat="lounge")
    assert sent(sim, "lounge", mark) == [REFUSED]
    assert await stored_group(sim) is None
    await sim.send("lena", "/pause")
    assert sent(sim, "coordinators", mark) == ["Lena (learner) paused Tandem."]  # still the same group
    assert sent(sim, "lounge", mark) == [REFUSED]

    assert (await sim.send("carla", "/setup"))[-1].text == HOW
    assert (await sim.send("tom", "/setup"))[-1].text == "Only coordinators can use this command."
    assert "/setup" in (await sim.send("carla", "/help"))[-1].text


async def test_the_group_set_up_removing_the_bot_sends_everything_to_each_coordinator(
    cohort: Simulation,
) -> None:
    sim = cohort
    sim.add_group("north", "Coordinators North", ["carla"])
    await sim.send("carla", "/setup", chat="north")
    mark = sim.last_seq()
    await sim.remove_bot("north", by="carla")
    (notice,) = sent(sim, "carla", mark)
    assert notice.startswith("I cannot write to the coordinators' group")
    await sim.send("lena", "/pause")
    assert sent(sim, "carla", mark)[-1] == "Lena (learner) paused Tandem."
    assert [e for e in sim.transcript("coordinators", mark) if e.sender == "bot"] == []


async def test_two_setups_at_once_leave_one_group_and_the_other_told(cohort: Simulation) -> None:
    """Two coordinators send /setup in two groups at the same moment (concurrent transactions on
    PostgreSQL): one group is the coordinators', the other heard it is not, and nothing is lost."""
    sim = cohort
    sim.add_user("cleo", "Cleo", language_code="en")
    await add_coordinator(sim, "cleo")
    sim.add_group("north", "Coordinators North", ["carla"])
    sim.add_group("south", "Coordinators South", ["cleo"])
    mark = sim.last_seq()
    await asyncio.gather(sim.send("carla", "/setup", chat="north"), sim.send("cleo", "/setup", chat="south"))
    chosen = await stored_group(sim)
    assert chosen in (sim.groups["north"], sim.groups["south"])
    kept, other = ("north", "south") if chosen == sim.groups["north"] else ("south", "north")
    # (Counted while the other was the group, the kept one may also hear its alerts are whole.)
    assert sent(sim, kept, mark)[0] == DONE and MOVED not in sent(sim, kept, mark)
    told = sent(sim, other, mark)
    assert told[0] == DONE and told[-1] == MOVED
    await sim.send("lena", "/pause")
    assert sent(sim, kept, mark)[-1] == "Lena (learner) paused Tandem."


async def test_a_group_that_becomes_a_supergroup_stays_the_coordinators_under_its_new_id(
    cohort: Simulation,
) -> None:
    sim = cohort
    sim.add_group("team", "Coordinators", ["carla"], kind="group")
    await sim.send("carla", "/setup", chat="team")
    old = sim.groups["team"]
    new = await sim.migrate_group("team", by="carla")  # Telegram gives it a new id
    assert new != old and await stored_group(sim) == new
    mark = sim.last_seq()
    await sim.send("lena", "/pause")
    assert sent(sim, "team", mark) == ["Lena (learner) paused Tandem."]
    assert [e for e in sim.transcript("carla", mark) if e.sender == "bot"] == []  # not privately
    async with sim.tandem.db.unit_of_work() as uow:
        (entry,) = (
            await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "group.migrated"))
        ).scalars()
        assert entry.detail == {"chat": new, "before": old}
