"""Operations: what the running bot tells the programme's staff about itself. For now one due job:
a load of scheduled messages that cannot fit its windows (``bot.services.overload``), left by the
scheduler ahead of time for the coordinators."""

from __future__ import annotations

from bot.feature import Feature
from bot.services import overload

FEATURE = Feature("operations", jobs={overload.JOB: overload.tell})
