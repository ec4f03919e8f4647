"""The pager's arithmetic: however long the items, every page fits Telegram's 4,096, counted in
UTF-16 units (never fewer than Telegram's characters); pages split by count; the way on is right."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.callbacks import Page, unpack
from bot.feature import Entry, Listing
from bot.i18n import Translator
from bot.services.paging import LIMIT, clip, pages_of, render, units


async def _items(ctx: Any) -> list[str]:
    return []


async def _entry(ctx: Any, item: str) -> Entry:
    return Entry(item)


def listing(per_page: int, between: str = "\n") -> Listing:
    return Listing(
        "cases", "Open cases", "No open concerns.", _items, _entry, per_page=per_page, between=between
    )


def context(locale: str = "en") -> Any:
    return SimpleNamespace(t=Translator(locale, ZoneInfo("Europe/Berlin")))


def test_units_count_a_character_beyond_the_bmp_twice_and_clip_keeps_within() -> None:
    assert units("aé🌻") == 4
    assert clip("short", 10) == "short"
    cut = clip("🌻" * 10, 7)
    assert units(cut) <= 7 and cut.endswith("…") and cut.startswith("🌻🌻🌻")


@pytest.mark.parametrize(
    ("count", "per_page", "pages"), [(0, 20, 1), (1, 20, 1), (20, 20, 1), (21, 20, 2), (42, 20, 3)]
)
def test_pages_by_count(count: int, per_page: int, pages: int) -> None:
    assert pages_of(count, per_page) == pages


@pytest.mark.parametrize("per_page", [1, 3, 20])
@pytest.mark.parametrize("locale", ["en", "de", "fr"])
async def test_every_page_fits_however_long_its_items(per_page: int, locale: str) -> None:
    items = [f"#{n} " + "🌻Ü" * 3000 for n in range(45)]
    pages = pages_of(len(items), per_page)
    for number in range(1, pages + 1):
        text, keyboard = await render(context(locale), listing(per_page, "\n\n"), items, number)
        assert units(text) <= LIMIT and len(text) <= LIMIT
        shown = [line for line in text.split("\n\n")[1:]]
        assert len(shown) == min(per_page, len(items) - (number - 1) * per_page)
        way = [unpack(b.data or "", Page) for b in (keyboard or ())[-1]]
        wanted = [p for p in (number - 1, number + 1) if 1 <= p <= pages]
        assert [p.page for p in way if p is not None] == wanted


async def test_the_header_counts_and_names_the_page() -> None:
    items = [f"#{n}" for n in range(42)]
    text, _ = await render(context(), listing(20), items, 2)
    assert text.startswith("Open cases: 42 — page 2 of 3\n\n#20\n#21\n")
    text, keyboard = await render(context("de"), listing(50), items, 1)
    assert text.startswith("Offene Meldungen: 42\n\n#0\n") and keyboard is None
    text, _ = await render(context("fr"), listing(20), items, 3)
    assert text.startswith("Signalements ouverts\u00a0: 42 — page 3 sur 3\n\n#40\n#41")
