"""The coordinators' long lists page: one message a page within Telegram's 4,096 characters, the
count on top, "Previous" and "Next" under it, each press reading the list again and editing the
message in place; a page that is gone, or a forged page, is answered as a stale button."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bot.admin import run_admin
from bot.devtools.simulation import next_page
from bot.emulator import Entry
from bot.services import invites
from bot.services.invites import InviteRequest
from bot.simulation import Simulation
from storage.models import Concern

STALE = "This button is no longer active."
# Telegram's longest first name, with characters outside the BMP (two UTF-16 units each).
LONG_NAME = "Zoë-Marie 🌻🌻🌻 " + "Ü" * 40 + " 🌻🌻🌻🌻🌻🌻"


def previous_page(page: Entry) -> str | None:
    for texts, data in zip(page.buttons, page.data, strict=True):
        for text, datum in zip(texts, data, strict=True):
            if datum and datum.startswith("ls1:") and text.startswith("◀"):
                return datum
    return None


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


async def coordinator(sim: Simulation, key: str = "carla") -> None:
    sim.add_user(key, key.title(), language_code="en")
    code = (await run_admin(["invite", "coordinator"], sim.tandem)).split()[0]
    await sim.send(key, f"/start {code}")


async def open_cases(sim: Simulation, count: int) -> list[int]:
    """``count`` open concerns about Zoë, the most severe first in the list; their ids."""
    sim.add_user("zoe", LONG_NAME, language_code="en")
    await sim.send("zoe", "/start")
    now = sim.clock.now()
    async with sim.tandem.db.unit_of_work() as uow:
        zoe = await uow.people.by_telegram_id(sim.users["zoe"])
        assert zoe is not None
        ids = []
        for n in range(count):
            created = now - timedelta(hours=count - n)
            concern = Concern(
                subject_id=zoe.id,
                raised_by=zoe.id,
                kind="work_school",
                severity="normal",
                text="private words",
                status="open",
                created_at=created,
                updated_at=created,
            )
            ids.append((await uow.concerns.add(concern)).id)
    return ids


def numbers_on(page: Entry) -> list[int]:
    return [int(line[1:].split(" ", 1)[0]) for line in page.text.splitlines() if line.startswith("#")]


async def test_42_open_cases_page_back_and_forth_each_page_within_telegrams_limit(sim: Simulation) -> None:
    await coordinator(sim)
    ids = await open_cases(sim, 42)

    first = (await sim.send("carla", "/cases"))[-1]
    assert first.text.startswith("Open cases: 42 — page 1 of 3\n\n#")
    assert previous_page(first) is None and next_page(first) == "ls1:cases:2"
    seen = {1: first}
    page = first
    for number in (2, 3):
        ahead = next_page(page)
        assert ahead is not None
        replies = await sim.press_data("carla", page.message_id, ahead)
        page = replies[-1]
        assert page.edit and page.message_id == first.message_id  # the same message, edited
        assert page.text.startswith(f"Open cases: 42 — page {number} of 3\n\n")
        seen[number] = page
    assert next_page(page) is None and previous_page(page) == "ls1:cases:2"
    back = (await sim.press_data("carla", page.message_id, previous_page(page) or ""))[-1]
    assert back.text == seen[2].text and next_page(back) == "ls1:cases:3"

    assert [n for p in (1, 2, 3) for n in numbers_on(seen[p])] == ids  # oldest first, each once
    assert [len(numbers_on(seen[p])) for p in (1, 2, 3)] == [20, 20, 2]
    for shown in seen.values():
        assert LONG_NAME in shown.text
        assert len(shown.text) <= 4096 and utf16(shown.text) <= 4096


async def test_a_page_gone_since_is_answered_as_stale_and_the_list_shown_as_it_is(sim: Simulation) -> None:
    await coordinator(sim)
    ids = await open_cases(sim, 42)
    first = (await sim.send("carla", "/cases"))[-1]
    old_next = next_page(first)
    assert old_next == "ls1:cases:2"
    third = (await sim.press_data("carla", first.message_id, "ls1:cases:3"))[-1]
    assert "page 3 of 3" in third.text

    async with sim.tandem.db.unit_of_work() as uow:  # another coordinator resolves most of them
        await uow.session.execute(
            update(Concern)
            .where(Concern.id.in_(ids[:30]))
            .values(status="resolved", resolved_at=sim.clock.now())
        )
    mark = sim.last_seq()
    replies = await sim.press_data("carla", third.message_id, "ls1:cases:3")  # the old page 3
    assert sim.toasts("carla", mark) == [STALE]
    now_shown = replies[-1]
    assert now_shown.text.startswith("Open cases: 12\n\n") and numbers_on(now_shown) == ids[30:]
    assert next_page(now_shown) is None and previous_page(now_shown) is None

    async with sim.tandem.db.unit_of_work() as uow:  # and then the rest
        await uow.session.execute(update(Concern).values(status="resolved", resolved_at=sim.clock.now()))
    mark = sim.last_seq()
    replies = await sim.press_data("carla", first.message_id, old_next)
    assert sim.toasts("carla", mark) == [STALE]
    assert replies[-1].text == "No open concerns."


async def test_forged_page_buttons_change_nothing_and_a_learner_gets_none(sim: Simulation) -> None:
    await coordinator(sim)
    await open_cases(sim, 25)
    page = (await sim.send("carla", "/cases"))[-1]
    for forged in ("ls1:cases:x", "ls1:nope:1", "ls1:cases:01", "ls1:cases", "ls1:cases:2:9", "ls1:cases:²"):
        mark = sim.last_seq()
        replies = await sim.press_data("carla", page.message_id, forged)
        assert sim.toasts("carla", mark) == [STALE], forged
        assert not [e for e in replies if e.edit], forged  # the message is left as it was
    second = (await sim.press_data("carla", page.message_id, "ls1:cases:2"))[-1]
    assert second.text.startswith("Open cases: 25 — page 2 of 2")
    mark = sim.last_seq()
    replies = await sim.press_data("carla", page.message_id, "ls1:cases:0")  # well formed, no such page
    assert sim.toasts("carla", mark) == [STALE]
    assert replies[-1].text == page.text  # the nearest page there is

    # Zoë, not a coordinator, presses a page button on a message in her own chat.
    own = [e for e in sim.transcript("zoe") if e.sender == "bot"][-1]
    mark = sim.last_seq()
    replies = await sim.press_data("zoe", own.message_id, "ls1:cases:2")
    assert sim.toasts("zoe", mark) == ["This button is not for you."]
    assert not any("#" in e.text for e in replies)


async def test_open_invites_page_and_a_withdraw_on_the_second_page_works(sim: Simulation) -> None:
    await coordinator(sim)
    async with sim.tandem.db.unit_of_work() as uow:
        made = [
            (await invites.create(uow, InviteRequest("learner"), by=None, now=sim.clock.now())).id
            for _ in range(13)
        ]
    newest = made[::-1]  # the list's order
    first = (await sim.send("carla", "/invites"))[-1]
    assert first.text.startswith("Open invites: 13 — page 1 of 2\n\n#")
    assert len(first.data) == 11  # ten "Withdraw" rows, then the way on
    second = (await sim.press_data("carla", first.message_id, next_page(first) or ""))[-1]
    assert second.text.startswith("Open invites: 13 — page 2 of 2")
    withdraw = second.data[0][0]
    assert withdraw == f"iv1:{newest[10]}" and second.buttons[0][0] == f"Withdraw #{newest[10]}"
    await sim.press_data("carla", second.message_id, withdraw)
    assert f"Invite #{newest[10]} is withdrawn" in sim.bot_texts("carla")[-1]
    again = (await sim.press_data("carla", second.message_id, "ls1:invites:2"))[-1]
    assert again.text.startswith("Open invites: 12 — page 2 of 2") and f"#{newest[10]} " not in again.text
