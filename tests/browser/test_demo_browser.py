"""The demo page in real headless Chromium: the guide's path from the invite to an acknowledged case,
what the phones show after a restart, the invite pickers, keyboard only, a phone-sized viewport.
Each test starts the demo on a copy of a folder seeded once (``seeded_demo``). Screenshots go to
test-output/."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.demo.runner import Demo
from bot.demo.server import serve
from bot.i18n import shipped_locales
from tests.journeys import free_port

WAIT_MS = 20_000  # the longest wait for the page
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"
YES, LAST = 0, -1
# Lea's answers to the learner's questions by button position, as tests/journeys.py onboard_learner
# gives them: "tap" answers a question (the next one follows), "pick" ticks one of several (the
# question is edited in place), "type" writes. Consent, 16-17, her name, Deutsch, no location, her
# training, its field and year, interests, help wanted, languages, any mentor, nothing else matters,
# weekday evenings, and the review: "Ja, das stimmt".
LEA_ANSWERS: tuple[tuple[str, int | str], ...] = (
    ("tap", YES),
    ("tap", 1),
    ("type", "Lea"),
    ("tap", shipped_locales().index("de")),
    ("tap", LAST),
    ("type", "Kfz-Mechatronik"),
    ("tap", 3),
    ("tap", 1),
    ("pick", 0),
    ("tap", LAST - 1),
    ("pick", 0),
    ("tap", LAST),
    ("pick", 0),
    ("tap", LAST),
    ("tap", 2),
    ("tap", LAST),
    ("pick", 2),
    ("tap", LAST),
    ("tap", YES),
)
# Lea's concern: a problem with her mentor, it can wait, nothing more to say (Skip).
CONCERN_ANSWERS = (("tap", 3), ("tap", LAST), ("tap", LAST))

playwright_api = pytest.importorskip(
    "playwright.async_api", reason="playwright not installed (.ci/run installs it)"
)
Locator = playwright_api.Locator
Page = playwright_api.Page


class Running:
    """The demo and its page server, on a folder of a test's own."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.demo = Demo(folder)
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> str:
        self.demo = Demo(self.folder)
        await self.demo.start()
        port = free_port()
        self.runner = await serve(self.demo, "127.0.0.1", port)
        self.url = f"http://127.0.0.1:{port}/"
        return self.url

    async def stop(self) -> None:
        await self.demo.stop()
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@pytest.fixture
async def running(seeded_demo: Path, tmp_path: Path) -> AsyncIterator[Running]:
    shutil.copytree(seeded_demo, tmp_path / "demo")
    demo = Running(tmp_path / "demo")
    await demo.start()
    try:
        yield demo
    finally:
        await demo.stop()


def phone(page: Page, key: str) -> Locator:
    return page.locator(f'section.phone[data-person="{key}"]')


def bubble(where: Locator, text: str) -> Locator:
    return where.locator(".msg-bot", has_text=text).last


async def newest(where: Locator) -> int:
    """The newest transcript line a phone shows (an edit is a new line)."""
    seqs: list[str] = await where.locator(".msg[data-seq]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.seq)"
    )
    return max((int(s) for s in seqs), default=0)


async def answer(page: Page, where: Locator, how: str, what: int | str) -> None:
    """Tap a button of the newest question by position, or type; then wait for the bot: its next
    message, or (``pick``) the question edited with the tick."""
    since, messages = await newest(where), await where.locator(".msg-bot").count()
    if how == "type":
        await where.locator(".composer-input").fill(str(what))
        await where.locator(".composer-input").press("Enter")
    else:
        buttons = where.locator(".msg-bot:has(.kb)").last.locator(".kb")
        index = int(what) if int(what) >= 0 else await buttons.count() + int(what)
        await buttons.nth(index).click()
    key = await where.get_attribute("data-person")
    await page.wait_for_function(
        """([key, how, since, messages]) => {
            const bot = document.querySelectorAll(`section.phone[data-person="${key}"] .msg-bot`);
            if (how !== "pick") return bot.length > messages;
            return [...bot].some((node) => Number(node.dataset.seq) > since);
        }""",
        arg=[key, how, since, messages],
        timeout=WAIT_MS,
    )


async def command(page: Page, where: Locator, name: str) -> None:
    """Send a command from the phone's "/" menu, as a person taps it in Telegram."""
    await where.locator("button.slash").click()
    await where.locator(f'.command-menu button[data-command="{name}"]').click()


def on_screen(box: dict[str, float] | None, width: int) -> bool:
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


async def test_the_guide_from_the_invite_to_an_acknowledged_case(
    running: Running, browser: playwright_api.Browser
) -> None:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    await page.goto(running.url)
    carla, group, lea, jonas = (phone(page, k) for k in ("carla", "coordinators", "lea", "jonas"))
    invite = carla.locator(".msg-bot", has_text="Berufsschule Nord").last
    await invite.locator("img").wait_for(timeout=WAIT_MS)  # the QR code, as a real image

    # The guide is on the page, and the phones it names are on the screen, side by side.
    steps = page.locator("#guide li")
    assert await steps.count() == 6 and await page.locator("#guide").is_visible()
    for who in (carla, group, lea, jonas):
        assert on_screen(await who.bounding_box(), 1400)
    # Lea's empty phone points where the guide starts, not to /start.
    hint = await lea.locator(".messages").get_attribute("data-empty")
    assert hint is not None and "Open link as" in hint and "/start" not in hint
    assert await lea.locator(".phone-sub").inner_text() == "not joined yet · Deutsch"

    # 1. Carla's learner invite is opened as Lea, who is chosen already.
    assert await invite.locator("select.invite-who").input_value() == "lea"
    await invite.locator("button.invite-open").click()
    await bubble(lea, "Bevor wir anfangen").wait_for(timeout=WAIT_MS)

    # 2. Lea answers; her phone's header and "/" menu follow the role the bot gave her.
    for how, what in LEA_ANSWERS:
        await answer(page, lea, how, what)
    await bubble(lea, "Danke, Lea").wait_for(timeout=WAIT_MS)
    await lea.locator(".phone-sub", has_text="learner · Deutsch").wait_for(timeout=WAIT_MS)
    await lea.locator('.command-menu button[data-command="concern"]').wait_for(
        state="attached", timeout=WAIT_MS
    )

    # 3. Carla matches from her "/" menu: Lea and Jonas.
    await command(page, carla, "match")
    proposal = bubble(carla, "Proposal 1 of 1")
    await proposal.locator(".kb", has_text="Approve").click()
    await bubble(carla, "Approved: Lea and Jonas").wait_for(timeout=WAIT_MS)

    # 4. A week on: Jonas did not plan the first meeting, and the alert is in the group.
    await page.locator('[data-advance="1w"]').click()
    await bubble(group, "the pairing is stuck").wait_for(timeout=WAIT_MS)
    await page.wait_for_function("() => !document.body.classList.contains('busy')", timeout=WAIT_MS)
    await bubble(jonas, "erstes Treffen mit Lea").wait_for(timeout=WAIT_MS)

    # 5. Lea raises a concern from her "/" menu.
    await command(page, lea, "concern")
    await bubble(lea, "Worum geht es").wait_for(timeout=WAIT_MS)
    for how, what in CONCERN_ANSWERS:
        await answer(page, lea, how, what)
    alert = bubble(group, "Raised by: Lea")
    await alert.wait_for(timeout=WAIT_MS)

    # 6. In the Coordinators group, the alert is acknowledged: the case is Carla's.
    await alert.locator(".kb", has_text="Acknowledge").click()
    await bubble(group, "acknowledged by Carla").wait_for(timeout=WAIT_MS)

    OUTPUT.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(OUTPUT / "demo.png"))
    assert (OUTPUT / "demo.png").stat().st_size > 10_000


async def test_after_a_restart_the_phones_show_what_they_showed(
    running: Running, browser: playwright_api.Browser
) -> None:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    await page.goto(running.url)
    carla, lea = phone(page, "carla"), phone(page, "lea")
    invite = carla.locator(".msg-bot", has_text="Berufsschule Nord").last
    await invite.locator("button.invite-open").click()
    consent = bubble(lea, "Bevor wir anfangen")
    await consent.wait_for(timeout=WAIT_MS)

    await running.stop()  # Ctrl-C, and `tandem demo` again
    await page.goto(await running.start())
    await consent.wait_for(timeout=WAIT_MS)
    qr = carla.locator(".msg-bot", has_text="Berufsschule Nord").last.locator("img")
    await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await qr.element_handle())
    assert await carla.locator('.command-menu button[data-command="match"]').count() == 1
    # A button sent before the restart still works: the bot edits its message and asks on.
    await consent.locator(".kb", has_text="Ja").click()
    await bubble(lea, "→ Ja").wait_for(timeout=WAIT_MS)
    await bubble(lea, "Wie alt").wait_for(timeout=WAIT_MS)


async def test_invite_pickers_choose_who_the_invite_is_for_and_follow_new_people(
    running: Running, browser: playwright_api.Browser
) -> None:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    await page.goto(running.url)
    carla = phone(page, "carla")
    learners = carla.locator(".msg-bot", has_text="as learner").last.locator("select.invite-who")
    mentors = carla.locator(".msg-bot", has_text="as mentor").last.locator("select.invite-who")
    await learners.wait_for(timeout=WAIT_MS)
    assert await learners.input_value() == "lea"
    assert await mentors.input_value() == ""  # Jonas and Amira applied already: nobody yet
    open_as_mentor = carla.locator(".msg-bot", has_text="as mentor").last.locator("button.invite-open")
    assert await open_as_mentor.is_disabled()
    assert "Jonas (mentor)" in await mentors.locator("option").all_inner_texts()

    await page.locator("#add-name").fill("Noor")
    await page.locator("#add-language").select_option("fr")
    await page.locator("#add-person").click()
    noor = phone(page, "noor")
    await noor.wait_for(timeout=WAIT_MS)
    hint = await noor.locator(".messages").get_attribute("data-empty")
    assert hint is not None and "/start" in hint
    # Without a reload: Noor is in both pickers, and the one nobody was chosen for is hers.
    await page.wait_for_function("select => select.value === 'noor'", arg=await mentors.element_handle())
    assert await learners.input_value() == "lea"
    assert "Noor" in await learners.locator("option").all_inner_texts()
    await open_as_mentor.click()
    await bubble(noor, "Bienvenue").wait_for(timeout=WAIT_MS)


async def test_keyboard_only(running: Running, browser: playwright_api.Browser) -> None:
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    await page.goto(running.url)
    lea = phone(page, "lea")
    await lea.locator(".composer-input").wait_for(timeout=WAIT_MS)
    chip = page.locator(".jump-btn", has_text="Lea")
    for _ in range(40):  # Tab to the chip that goes to Lea's phone
        if await chip.evaluate("el => el === document.activeElement"):
            break
        await page.keyboard.press("Tab")
    else:
        raise AssertionError("the way to Lea's phone cannot be reached with Tab")
    await page.keyboard.press("Enter")
    assert await lea.locator(".composer-input").evaluate("el => el === document.activeElement")
    await page.keyboard.type("/start")
    await page.keyboard.press("Enter")
    await bubble(lea, "Hallo Lea").wait_for(timeout=WAIT_MS)
    role = lea.locator(".kb", has_text="Azubi")
    await role.focus()
    await page.keyboard.press("Enter")
    await bubble(lea, "Einladungslink").wait_for(timeout=WAIT_MS)
    # The "/" menu opens from the keyboard and closes with Escape, back on its button.
    await lea.locator("button.slash").focus()
    await page.keyboard.press("Enter")
    # (Her menu may change meanwhile, now that the bot knows her: the keyboard stays in it.)
    assert await lea.locator(".command-menu").evaluate("menu => menu.contains(document.activeElement)")
    await page.keyboard.press("Escape")
    assert await lea.locator(".command-menu").is_hidden()
    assert await lea.locator("button.slash").evaluate("el => el === document.activeElement")


async def test_a_phone_sized_viewport(running: Running, browser: playwright_api.Browser) -> None:
    page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    await page.goto(running.url)
    assert await page.locator("#guide").get_attribute("open") is None  # folded: the phone needs the room
    lea = phone(page, "lea")
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


async def test_an_arabic_person_reads_right_to_left(
    running: Running, browser: playwright_api.Browser
) -> None:
    """The bot's bubbles, the answer buttons and the composer of a person who reads Arabic run right
    to left; what they type lays itself out (a /command stays as typed); German phones are unchanged."""
    page = await browser.new_page(viewport={"width": 1400, "height": 900})
    await page.goto(running.url)
    await page.locator("#add-name").fill("Noor")
    await page.locator("#add-language").select_option("ar")
    await page.locator("#add-person").click()
    noor, lea = phone(page, "noor"), phone(page, "lea")
    await noor.locator(".composer-input").fill("/start")
    await noor.locator(".composer-send").click()
    greeting = bubble(noor, "مرحبًا Noor")
    await greeting.wait_for(timeout=WAIT_MS)

    def direction(where: Locator) -> object:
        return where.evaluate("node => getComputedStyle(node).direction")

    assert await direction(greeting.locator(".bubble")) == "rtl"
    role = noor.locator(".kb", has_text="أنا متعلّم/ة")
    assert await direction(role) == "rtl"
    assert await direction(noor.locator(".msg-user .bubble", has_text="/start")) == "ltr"
    assert await noor.locator("form.composer").get_attribute("dir") == "rtl"
    await noor.locator(".composer-input").fill("مرحبا")
    assert await direction(noor.locator(".composer-input")) == "rtl"
    # Lea reads German: her phone is as it was.
    await lea.locator(".composer-input").fill("/start")
    await lea.locator(".composer-send").click()
    hallo = bubble(lea, "Hallo Lea")
    await hallo.wait_for(timeout=WAIT_MS)
    assert await direction(hallo.locator(".bubble")) == "ltr"
    assert await lea.locator("form.composer").get_attribute("dir") == "ltr"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    await noor.screenshot(path=str(OUTPUT / "demo-arabic.png"))
