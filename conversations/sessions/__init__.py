"""Weekly sessions: the pair agrees a slot, each week becomes a session, and the bot confirms,
reminds and asks afterwards whether they met.

The slot is a weekday and a wall-clock time in the programme's time zone; every session's UTC
time is made from the local date and time, so 17:30 stays 17:30 across daylight-saving changes.
Every message is a due job checked again when it runs: nothing goes out for a session that was
cancelled, to a paused person, or to a pair that ended.

By topic: ``weekly_slot`` (agreeing the slot), ``planning`` (the sessions ahead and their due
jobs), ``reminders`` (the messages and their buttons), ``moving`` (one session to another time),
``calendar_files`` (.ics files) and ``overview`` (/sessions, a pair's figures).
"""

from __future__ import annotations

from bot.feature import IN_A_PAIR, CommandEntry, Feature, HelpLine
from bot.i18n import N_
from conversations import mentor_notes
from conversations.sessions.calendar_files import WEEKLY_PREFIX, weekly_calendar_pressed
from conversations.sessions.moving import MOVE_FLOW, MOVE_OK_FLOW
from conversations.sessions.overview import list_sessions
from conversations.sessions.planning import JOB
from conversations.sessions.reminders import PREFIX, pressed, send_due
from conversations.sessions.weekly_slot import SLOT_FLOW, SLOT_OK_FLOW, SLOT_OTHER_FLOW

FLOWS = (SLOT_FLOW, SLOT_OK_FLOW, SLOT_OTHER_FLOW, MOVE_FLOW, MOVE_OK_FLOW)


FEATURE = Feature(
    "sessions",
    commands=(CommandEntry("sessions", list_sessions, N_("Your next and last weekly sessions"), IN_A_PAIR),),
    buttons={PREFIX: pressed, WEEKLY_PREFIX: weekly_calendar_pressed},
    jobs={JOB: send_due},
    flows=(*FLOWS, *mentor_notes.FLOWS),
    help=(HelpLine(N_("/sessions – your next and last weekly sessions"), IN_A_PAIR),),
)
