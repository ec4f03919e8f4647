"""The console's own words (msgids). Words the chat already has are taken from where they live
(the features and services), so that the console and the chat say the same thing the same way."""

from __future__ import annotations

from bot.i18n import N_

TITLE = N_("Coordinators' console")
OVERVIEW = N_("Overview")
PEOPLE = N_("People")
MATCHING = N_("Matching")
CASES = N_("Cases")
SCREENING = N_("Screening")
EXPORTS = N_("Exports")
SIGN_OUT = N_("Sign out")
SKIP_TO_CONTENT = N_("Skip to the content")

GATE = N_("To sign in, send /console to the bot in Telegram: it answers with a link that works once.")
SIGN_IN = N_("Sign in")
LINK_SPENT = N_("This sign-in link has run out or was used already. Send /console to the bot for a new one.")
TELEGRAM_REFUSED = N_(
    "Telegram's sign-in could not be checked, or it is too old. Close the console and open it again."
)
FORM_EXPIRED = N_("This form has run out. Reload the page and try again.")
NOT_FOUND = N_("There is nothing here.")

PAIRS_BY_HEALTH = N_("Pairs by health")
ON_TRACK = N_("on track")
AT_RISK = N_("at risk")
OPEN_CONCERN = N_("an open concern")
CASES_BY_AGE = N_("Open cases by age")
AGES = (N_("under a day"), N_("1 to 3 days"), N_("3 to 7 days"), N_("over a week"))
CHECKS_EXPIRING = N_("Checks running out within {days} days")
NOTHING = N_("Nothing here.")

LEARNER = N_("Learner")
MENTOR = N_("Mentor")
SCORE = N_("Score")
WHY = N_("Why")
APPROVE_ABOVE = N_("Approve every proposal with a score of at least")
ASSIGN = N_("Assign to")
OUTCOME = N_("Outcome")

SEARCH = N_("Search")
SCHOOL = N_("School")
COHORT = N_("Cohort")
ROLE = N_("Role")
ANY = N_("any")
HISTORY = N_("History")

# The chat's own words, marked for translation where the chat defines them (the features and
# services): named here unmarked, so that the catalogues keep them where they are.
ALREADY_DECIDED = "This was already decided."
ONLY_COORDINATORS = "Only coordinators can use this command."
ACKNOWLEDGE, RESOLVE, ADD_NOTE = "Acknowledge", "Resolve", "Add note"
TOOK = "You took concern #{id}."
NOTED = "Noted in the log of concern #{id}."
RESOLVED = "Concern #{id} is resolved."
FEW_WORDS = "Please answer with a few words."
PROPOSE = "Propose mentors for waiting learners"
NO_MORE_PROPOSALS = "No more proposals. /match computes new ones."
APPROVE, SKIP = "Approve", "Skip"
NOBODY_WAITING = "No learner is waiting for a mentor."
SOMETHING_ELSE = "something else"
SESSIONS = "Sessions"
