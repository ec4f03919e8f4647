"""What became of a session: held, missed, cancelled or a holiday week."""

from __future__ import annotations

from storage.models import Session


def outcome(session: Session) -> str:
    """held, missed (both said no, or nobody answered), cancelled or holiday."""
    if session.status != "planned":
        return session.status
    answers = {session.learner_met, session.mentor_met}
    return "held" if answers & {"yes", "other"} else "missed"
