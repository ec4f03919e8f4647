"""Who a coordinator may see in the console: the one place area scoping plugs in.

Every console page and action asks ``may_see`` about the people behind what it shows or
changes (a pair's two people, a case's subject, a person of the roster), and it answers from the
coordinator's areas as the chat does (``bot.services.areas``): what has a learner in it is of the
learner's area (a pair's mentor may meet online from another area); anything else, of its
people's.
"""

from __future__ import annotations

from bot.context import Context
from bot.services import areas
from storage.models import Person


async def may_see(ctx: Context, *people: Person | None) -> bool:
    """Whether the coordinator of ``ctx`` may see (and act on) something about ``people``. The
    role is read in the page's own transaction, so a coordinator removed a moment ago sees nothing."""
    if ctx.person.role != "coordinator":
        return False
    present = [person for person in people if person is not None]
    decisive = [person for person in present if person.role == "learner"] or present
    return all(areas.sees_person(ctx.rules, ctx.person, person) for person in decisive)
