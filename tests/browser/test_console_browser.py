"""The coordinators' console in real headless Chromium, on a running bot and the emulator: signing in as a
Telegram Mini App (initData in the URL fragment, as Telegram opens it) and through the one-time link the bot
sends for /console; approving a proposal and resolving a case, with what Telegram then shows; a learner, a
forged and a stale initData refused; a POST without the CSRF token refused; a phone-sized screen.
Screenshots go to test-output/console/."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from aiohttp import web

from bot import console
from bot.simulation import Simulation
from tests.journeys import (
    cohort_simulation,
    free_port,
    onboard_cohort,
    raise_urgent_about_the_mentor,
    telegram_init_data,
)

WAIT_MS = 20_000  # the longest wait for the page
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "console"
TOKEN = "42:TEST"  # the simulation's bot token

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright not installed (.ci/run installs it)"
)
Page = playwright_api.Page


class Console:
    """The cohort's bot with the console on a port of its own, as `tandem run` serves it."""

    def __init__(self, sim: Simulation, url: str) -> None:
        self.sim, self.url = sim, url

    def init_data(self, who: str, hours_ago: float = 0, token: str = TOKEN) -> str:
        signed = self.sim.tandem.clock.now() - timedelta(hours=hours_ago)
        return telegram_init_data(token, self.sim.users[who], signed)

    def mini_app(self, init_data: str) -> str:
        """The address Telegram opens the Mini App at: the menu button's URL and the signed data."""
        return f"{self.url}/console#tgWebAppData={quote(init_data)}&tgWebAppVersion=8.0&tgWebAppPlatform=ios"


@pytest.fixture
async def running(framework: str) -> AsyncIterator[Console]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    sim = cohort_simulation(framework)
    sim.configure(public_url=url)
    await sim.start()
    runner: web.AppRunner | None = None
    try:
        await onboard_cohort(sim)
        app = web.Application()
        console.mount(app, sim.tandem)
        runner = web.AppRunner(app, shutdown_timeout=1.0)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        yield Console(sim, url)
    finally:
        if runner is not None:
            await runner.cleanup()
        await sim.stop()


async def shot(page: Page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


async def test_a_mini_app_coordinator_approves_a_match_and_resolves_a_case(
    running: Console, browser: playwright_api.Browser
) -> None:
    sim = running.sim
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    await page.goto(running.mini_app(running.init_data("carla")))
    await page.wait_for_url(re.compile(r"/console/overview$"), timeout=WAIT_MS)
    assert "tgWebAppData" not in page.url
    await page.get_by_role("heading", name="Overview").wait_for(timeout=WAIT_MS)
    assert "Learners waiting for a mentor: 2" in await page.inner_text("main")

    # Matching review: the same proposals and reasons as /match; approve the first one.
    await page.get_by_role("link", name="Matching").click()
    await page.get_by_role("button", name="Propose mentors for waiting learners").click()
    proposals = page.locator("#proposals tbody tr")
    await proposals.first.wait_for(timeout=WAIT_MS)
    first = await proposals.first.inner_text()
    assert "km" in first or "both free" in first or ";" in first  # the reasons, in words
    learner = (await proposals.first.locator("td").first.inner_text()).strip()
    await proposals.first.get_by_role("button", name="Approve").click()
    notice = page.locator(".notice", has_text="Both are introduced")
    await notice.wait_for(timeout=WAIT_MS)
    await shot(page, "matching")
    key = learner.lower()
    assert any(text.startswith(f"Good news, {learner}!") for text in sim.bot_texts(key))
    assert not any("Both are introduced" in text for text in sim.bot_texts("carla"))  # shown on the page

    # A case: the learner raises one; the console acknowledges and resolves it, and every copy of the
    # alert in Telegram follows, as the buttons make it.
    await raise_urgent_about_the_mentor(sim, key, "He shouted at me today.")
    await page.get_by_role("link", name="Cases").click()
    await page.locator("#cases a").first.click()
    assert "He shouted at me today." in await page.inner_text("#alert")
    await page.get_by_role("button", name="Acknowledge").click()
    await page.locator(".notice", has_text="You took concern").wait_for(timeout=WAIT_MS)
    assert any("acknowledged" in text.lower() for text in sim.current_texts("coordinators")[-1:])
    assert any("picked up what you told us" in text for text in sim.bot_texts(key))
    await page.fill("#note", "Called her; meeting at school tomorrow.")
    await page.get_by_role("button", name="Add note").click()
    await page.locator(".notice", has_text="Noted in the log").wait_for(timeout=WAIT_MS)
    assert "meeting at school tomorrow" in sim.current_texts("coordinators")[-1]  # the alert's log
    await page.select_option("#taker", label="Carla")
    await page.get_by_role("button", name="Assign to").click()
    await page.locator("#alert", has_text="assigned to Carla").wait_for(timeout=WAIT_MS)
    await page.select_option("#outcome", "talked")
    await page.get_by_role("button", name="Resolve").click()
    await page.locator(".notice", has_text="is resolved").wait_for(timeout=WAIT_MS)
    assert "Talked it through" in await page.inner_text("#alert")
    assert "resolved" in sim.current_texts("coordinators")[-1].lower()
    await shot(page, "case")


async def test_the_link_from_the_chat_signs_in_and_strangers_are_refused(
    running: Console, browser: playwright_api.Browser
) -> None:
    sim = running.sim
    said = (await sim.send("carla", "/console"))[-1].text
    link = re.search(r"http://\S+/console/signin/\S+", said)
    assert link is not None
    phone = await browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    await phone.goto(link.group(0))
    await phone.get_by_role("button", name="Sign in").click()
    await phone.wait_for_url(re.compile(r"/console/overview$"), timeout=WAIT_MS)
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling

    # Keyboard only: the skip link first, then the menu, to the people page and a person's history.
    await phone.keyboard.press("Tab")
    assert await phone.evaluate("document.activeElement.textContent") == "Skip to the content"
    await phone.goto(f"{running.url}/console/people?q=len")
    await phone.locator("#people a", has_text="Lena").focus()
    await phone.keyboard.press("Enter")
    await phone.get_by_role("heading", name="Lena").wait_for(timeout=WAIT_MS)
    await shot(phone, "phone-person")

    # A POST without the session's CSRF token does nothing.
    status = await phone.evaluate(
        """async () => (await fetch("/console/matching", {method: "POST", body: "action=propose",
            headers: {"Content-Type": "application/x-www-form-urlencoded"}})).status"""
    )
    assert status == 403
    assert not any(row for row in await phone.locator("#proposals").all())

    # The link works once; a learner's, a forged and a stale initData are refused.
    other = await browser.new_page()
    await other.goto(link.group(0))
    await other.get_by_role("button", name="Sign in").click()
    assert "used already" in await other.inner_text("#refused")
    for init_data, words in (
        (running.init_data("lena"), "Only coordinators"),
        (running.init_data("carla", token="43:ANOTHER"), "could not be checked"),
        (running.init_data("carla", hours_ago=3), "could not be checked"),
    ):
        stranger = await browser.new_page()
        await stranger.goto(running.mini_app(init_data))
        await stranger.locator("#refused").wait_for(timeout=WAIT_MS)
        assert words in await stranger.inner_text("#refused")
        await stranger.goto(f"{running.url}/console/overview")
        assert stranger.url.endswith("/console")  # no session: back to the gate
        await stranger.close()
