"""Lists that page: a coordinator's list as one message a page, within Telegram's 4,096, with
"Previous" and "Next" under it and the count on top ("Open cases: 42 — page 2 of 3").

A page is fixed by the list's order and ``Listing.per_page`` items; each item is cut, if it has
to be, to its share of the message, so no page can be refused as too long however long a name
or a note is. A press on "Next" reads the list again and edits the message in place: what was
resolved meanwhile is gone, what came in is there. A page that no longer exists (the list got
shorter) is answered as a stale button, and the message shows the list's last page as it is now.

Telegram counts a message's length in characters; we count UTF-16 units, which are never fewer
(a character outside the Basic Multilingual Plane, an emoji, is two), so a page fits whichever
way it is counted.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.callbacks import Page, pack
from bot.context import Context
from bot.events import Button, ButtonPress, Inbound, Keyboard
from bot.feature import Listing, staff_press
from bot.i18n import N_

LIMIT = 4096  # a message's text, as Telegram counts it
ELLIPSIS = "…"
COUNT = N_("{title}: {count}")
COUNT_OF_PAGES = N_("{title}: {count} — page {page} of {pages}")
PREVIOUS = N_("◀ Previous")
NEXT = N_("Next ▶")
STALE = N_("This button is no longer active.")


def units(text: str) -> int:
    """The length of ``text`` in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, most: int) -> str:
    """``text`` cut to at most ``most`` UTF-16 units, an ellipsis marking the cut."""
    if units(text) <= most:
        return text
    kept, used = [], units(ELLIPSIS)
    for char in text:
        used += units(char)
        if used > most:
            break
        kept.append(char)
    return "".join(kept) + ELLIPSIS


def pages_of(count: int, per_page: int) -> int:
    return max(1, -(-count // per_page))


async def show(ctx: Context, listing: Listing) -> None:
    """The list's first page, as a new message (the list's command)."""
    items = await listing.items(ctx)
    if not items:
        await ctx.say(ctx.t(listing.empty))
        return
    text, keyboard = await render(ctx, listing, items, 1)
    await ctx.say(text, keyboard)


async def pressed(ctx: Context, event: Inbound) -> None:
    """``ls1:<list>:<page>``: that page, read now, in place of the message pressed."""
    assert isinstance(event, ButtonPress)
    press = staff_press(ctx, event, Page)
    if press is None:
        return
    listing = next((f for feature in ctx.features for f in feature.lists if f.name == press.listing), None)
    if listing is None or event.message_id is None:
        ctx.answer_button(event.callback_id, ctx.t(STALE))
        return
    items = await listing.items(ctx)
    pages = pages_of(len(items), listing.per_page)
    if items and 1 <= press.page <= pages:
        ctx.answer_button(event.callback_id)
        await ctx.edit(event.message_id, *await render(ctx, listing, items, press.page))
        return
    ctx.answer_button(event.callback_id, ctx.t(STALE))  # the list got shorter since, or forged
    if not items:
        await ctx.edit(event.message_id, ctx.t(listing.empty))
    else:
        await ctx.edit(event.message_id, *await render(ctx, listing, items, min(max(press.page, 1), pages)))


async def render(
    ctx: Context, listing: Listing, items: Sequence[object], page: int
) -> tuple[str, Keyboard | None]:
    """Page ``page`` of ``items`` (counted from 1): the count, the items, their buttons, then the
    way to the pages either side."""
    pages = pages_of(len(items), listing.per_page)
    title = ctx.t(listing.title)
    if pages == 1:
        header = ctx.t(COUNT, title=title, count=len(items))
    else:
        header = ctx.t(COUNT_OF_PAGES, title=title, count=len(items), page=page, pages=pages)
    start = (page - 1) * listing.per_page
    entries = [await listing.entry(ctx, item) for item in items[start : start + listing.per_page]]
    room = LIMIT - units(header) - units("\n\n") - units(listing.between) * (len(entries) - 1)
    share = room // max(len(entries), 1)
    text = header + "\n\n" + listing.between.join(clip(e.text, share) for e in entries)
    rows = [row for e in entries for row in e.buttons] + [_way(ctx, listing, page, pages)]
    keyboard = tuple(row for row in rows if row)
    return text, keyboard or None


def _way(ctx: Context, listing: Listing, page: int, pages: int) -> tuple[Button, ...]:
    way = []
    if page > 1:
        way.append(Button(ctx.t(PREVIOUS), data=_data(listing, page - 1)))
    if page < pages:
        way.append(Button(ctx.t(NEXT), data=_data(listing, page + 1)))
    return tuple(way)


def _data(listing: Listing, page: int) -> str:
    return pack(Page(listing.name, page))
