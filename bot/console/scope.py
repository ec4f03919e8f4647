"""Who a coordinator may see in the console: the one place area scoping plugs in.

Every console page and action asks ``may_see`` about the people behind what it shows or
changes (a pair's two people, a case's subject, a person of the roster). Today a coordinator
sees the whole programme; once coordinators belong to areas, this function answers from the
coordinator's areas and the people's, and every page and action follows.
"""

from __future__ import annotations

from bot.context import Context
from storage.models import Person


async def may_see(ctx: Context, *people: Person | None) -> bool:
    """Whether the coordinator of ``ctx`` may see (and act on) something about ``people``. The
    role is read in the page's own transaction, so a coordinator removed a moment ago sees nothing."""
    return ctx.person.role == "coordinator"
