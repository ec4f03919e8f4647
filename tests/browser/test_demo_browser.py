"""The demo page in real headless Chromium: onboard a learner by clicking and typing, skip a week,
see the reminder; keyboard only; a phone-sized viewport. Screenshots go to test-output/."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.demo.runner import Demo
from bot.demo.server import serve

CHROMIUM = os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 20_000

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason=f"Chromium not installed at {CHROMIUM} (.ci/run installs it)"
)
playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright not installed (.ci/run installs it)"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def url(tmp_path: Path) -> AsyncIterator[str]:
    demo = Demo(tmp_path / "demo")
    await demo.start()
    port = free_port()
    runner: web.AppRunner = await serve(demo, "127.0.0.1", port)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        await demo.stop()
        await runner.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[playwright_api.Browser]:
    async with playwright_api.async_playwright() as pw:
        chromium = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield chromium
        finally:
            await chromium.close()


def bubble(phone: playwright_api.Locator, text: str) -> playwright_api.Locator:
    return phone.locator(".msg-bot", has_text=text).last


async def test_onboard_a_learner_then_a_week_later_a_reminder(
    url: str, browser: playwright_api.Browser
) -> None:
    page = await browser.new_page(viewport={"width": 1600, "height": 1000})
    await page.goto(url)
    lea = page.locator('section.phone[data-person="lea"]')
    carla = page.locator('section.phone[data-person="carla"]')
    # Lea opens the learner invite her coordinator printed (the QR code in Carla's chat).
    invite = carla.locator(".msg-bot", has_text="Berufsschule Nord").last
    await invite.locator("img").wait_for(timeout=WAIT_MS)  # the QR code, as a real image
    await invite.locator("select.invite-who").select_option("lea")
    await invite.locator("button.invite-open").click()
    await bubble(lea, "Willkommen bei Tandem example programme").wait_for(timeout=WAIT_MS)
    await bubble(lea, "Bevor wir anfangen").wait_for(timeout=WAIT_MS)
    await lea.locator(".kb", has_text="Ja").click()  # consent
    await lea.locator(".kb", has_text="16–17").click()
    await bubble(lea, "Wie soll ich dich nennen").wait_for(timeout=WAIT_MS)
    await lea.locator(".composer-input").fill("Lea")
    await lea.locator(".composer-input").press("Enter")
    await lea.locator(".kb", has_text="Deutsch").click()
    # The question answered by a button shows its answer in place, without buttons.
    answered = bubble(lea, "→ Deutsch")
    await answered.wait_for(timeout=WAIT_MS)
    assert await answered.locator(".kb").count() == 0

    # Lea leaves the next question (where she lives) open; a week later she hears from the bot.
    await bubble(lea, "Standort").wait_for(timeout=WAIT_MS)
    before = await page.locator("#clock").inner_text()
    await page.locator('[data-advance="1w"]').click()
    await bubble(lea, "mittendrin").wait_for(timeout=WAIT_MS)
    # The clock moves when the skipped week has been run through, just after the reminder.
    await page.wait_for_function(
        "before => document.querySelector('#clock').innerText !== before", arg=before, timeout=WAIT_MS
    )

    OUTPUT.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(OUTPUT / "demo.png"))
    assert (OUTPUT / "demo.png").stat().st_size > 10_000


async def test_keyboard_only(url: str, browser: playwright_api.Browser) -> None:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    await page.goto(url)
    lea = page.locator('section.phone[data-person="lea"]')
    await lea.locator(".composer-input").wait_for(timeout=WAIT_MS)
    for _ in range(60):  # Tab until the learner's message box has the focus
        if await lea.locator(".composer-input").evaluate("el => el === document.activeElement"):
            break
        await page.keyboard.press("Tab")
    else:
        raise AssertionError("the message box cannot be reached with Tab")
    await page.keyboard.type("/start")
    await page.keyboard.press("Enter")
    await bubble(lea, "Hallo Lea").wait_for(timeout=WAIT_MS)
    role = lea.locator(".kb", has_text="Azubi")
    await role.focus()
    await page.keyboard.press("Enter")
    await bubble(lea, "Einladungslink").wait_for(timeout=WAIT_MS)


async def test_a_phone_sized_viewport(url: str, browser: playwright_api.Browser) -> None:
    page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    await page.goto(url)
    lea = page.locator('section.phone[data-person="lea"]')
    await lea.locator(".composer-input").fill("/start")
    await lea.locator(".composer-send").click()
    await bubble(lea, "Hallo Lea").wait_for(timeout=WAIT_MS)
    box = await lea.bounding_box()
    assert box is not None and box["width"] <= 390  # a phone fits the screen
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    phones = await page.locator("section.phone").count()
    assert overflow <= 0 or phones > 1  # sideways only to reach the next phone, never to read one
    OUTPUT.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(OUTPUT / "demo-phone.png"))
