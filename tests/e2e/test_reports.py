"""The coordinators' overview through both adapters: /stats after a few weeks of sessions and some
concerns, /export as four CSV files with pseudonyms and no names or written texts, and both
refused to a learner and a mentor."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.features.reports import Pseudonyms
from bot.simulation import Simulation
from storage.models import AuditEntry, Concern, Pair
from tests.journeys import agree_tuesdays, begin_mentoring, last_file, until

NAMES = ("Lena", "Tom", "Peter", "Amira", "Carla")
COMMENT = "My exam is on Friday"
CONCERN_TEXT = "Lena told me Tom shouts at her"
PSEUDONYM = re.compile(r"^P[0-9a-f]{10}$")
COLUMNS = {
    "pairs.csv": ["pair", "learner", "mentor", "status", "created", "ended"],
    "sessions.csv": [
        "session",
        "pair",
        "starts_at",
        "status",
        "outcome",
        "learner_met",
        "mentor_met",
        "moves",
        "cancelled_late",
    ],
    "checkins.csv": ["checkin", "learner", "asked_at", "status", "motivation", "areas"],
    "concerns.csv": [
        "concern",
        "pair",
        "subject",
        "kind",
        "severity",
        "status",
        "created_at",
        "acknowledged_at",
        "resolved_at",
        "outcome",
        "overdue",
    ],
}


async def three_weeks(sim: Simulation) -> tuple[Pair, str, str, list[int]]:
    """One week cancelled, one held (with a check-in and a comment for the mentor), one missed."""
    pair, learner, mentor = await begin_mentoring(sim)
    first, second, third, _ = await agree_tuesdays(sim, learner, mentor)
    await until(sim, first.starts_at - timedelta(hours=47))
    await sim.press(learner, "^Cancel this week$")
    await until(sim, second.starts_at + timedelta(hours=4))
    await sim.press(learner, "^Yes, we met$")
    await sim.send(learner, "🙂")  # the fourth face, typed
    await sim.press(learner, "^Vocational school$")
    await sim.press(learner, "^Done$")
    await sim.press(learner, "^Good$")
    assert f"Anything you want {mentor.title()} to know?" in sim.bot_texts(learner)[-1]
    await sim.send(learner, COMMENT)
    await until(sim, third.starts_at + timedelta(days=3))  # nobody says whether they met
    return pair, learner, mentor, [first.id, second.id, third.id]


async def some_concerns(sim: Simulation, pair: Pair) -> tuple[Counter[str], list[int]]:
    """Concerns as the escalation core stores them; the open ones by severity (with any raised
    automatically before) and the new ones' ids."""
    now = sim.clock.now()
    hour = timedelta(hours=1)
    shapes = [  # severity, status, created how long ago, acknowledged how long after
        ("urgent", "open", hour, None),
        ("high", "acknowledged", 5 * hour, timedelta(hours=2, minutes=10)),
        ("normal", "resolved", timedelta(days=10), hour),
        ("normal", "acknowledged", timedelta(days=3), 3 * hour),
        ("normal", "resolved", timedelta(days=200), 50 * hour),  # too long ago for the median
    ]
    async with sim.tandem.db.unit_of_work() as uow:
        coordinator = await uow.people.by_telegram_id(sim.users["carla"])
        assert coordinator is not None
        before = Counter(c.severity for c in await uow.concerns.unresolved())
        added = []
        for severity, status, ago, after in shapes:
            created = now - ago
            concern = Concern(
                pair_id=pair.id,
                subject_id=pair.learner_id,
                raised_by=pair.learner_id,
                kind="safety" if severity == "urgent" else "work_school",
                severity=severity,
                text=CONCERN_TEXT,
                status=status,
                created_at=created,
                updated_at=created,
                acknowledged_at=created + after if after else None,
                acknowledged_by=coordinator.id if after else None,
                resolved_at=created + 2 * after if after and status == "resolved" else None,
                outcome="talked_to_pair" if status == "resolved" else None,
            )
            added.append((await uow.concerns.add(concern)).id)
    return before + Counter(s for s, status, _, _ in shapes if status != "resolved"), added


def csv_files(sim: Simulation, since: int) -> dict[str, list[dict[str, str]]]:
    sent = [e.document for e in sim.transcript("carla", since) if e.sender == "bot" and e.document]
    assert sent == list(COLUMNS)
    files = {}
    for name in sent:
        text = last_file(sim, "carla", name).decode("utf-8")
        for forbidden in (*NAMES, COMMENT, "Friday", "shouts"):
            assert forbidden not in text, (name, forbidden)
        reader = csv.DictReader(io.StringIO(text))
        assert reader.fieldnames == COLUMNS[name]
        files[name] = list(reader)
    return files


async def test_stats_show_the_programme_in_figures(cohort: Simulation) -> None:
    sim = cohort
    pair, *_ = await three_weeks(sim)
    open_concerns, _ = await some_concerns(sim, pair)

    lines = (await sim.send("carla", "/stats"))[-1].text.splitlines()
    assert "overview on" in lines[0]
    assert "Pairs active: 1" in lines
    assert "Learners waiting for a mentor: 1" in lines  # the other learner's proposal was not approved
    assert "Sessions in the last 4 weeks: 1 held of 3 planned" in lines
    assert "missed 1 · cancelled 1 (holiday weeks not counted)" in lines
    expected = " · ".join(f"{s} {open_concerns[s]}" for s in ("urgent", "high", "normal"))
    assert f"Open concerns: {expected}" in lines
    assert open_concerns["urgent"] >= 1 and open_concerns["high"] >= 1
    # 1 h, 2 h 10 min and 3 h; the one acknowledged 200 days ago does not count.
    assert "Median time to acknowledge a concern (last 90 days): 2 h 10 min" in lines


async def test_stats_without_acknowledged_concerns_show_a_dash(cohort: Simulation) -> None:
    sim = cohort
    text = (await sim.send("carla", "/stats"))[-1].text
    assert "Pairs active: 0" in text and "Learners waiting for a mentor: 2" in text
    assert "Sessions in the last 4 weeks: 0 held of 0 planned" in text
    assert "(last 90 days): –" in text


async def test_export_sends_four_csv_files_with_pseudonyms_and_no_names_or_texts(cohort: Simulation) -> None:
    sim = cohort
    pair, _, _, (cancelled, held, missed) = await three_weeks(sim)
    _, concerns = await some_concerns(sim, pair)
    alias = Pseudonyms(sim.tandem.dispatcher.settings)

    mark = sim.last_seq()
    replies = await sim.send("carla", "/export")
    assert "pseudonyms" in replies[0].text
    files = csv_files(sim, mark)

    (row,) = files["pairs.csv"]  # the proposal nobody decided on is not a pair
    assert (row["pair"], row["status"], row["ended"]) == (str(pair.id), "active", "")
    assert row["learner"] == alias(pair.learner_id) and row["mentor"] == alias(pair.mentor_id)
    assert PSEUDONYM.match(row["learner"]) and row["learner"] != row["mentor"]

    sessions = {int(r["session"]): r for r in files["sessions.csv"]}
    assert sessions[cancelled]["status"] == sessions[cancelled]["outcome"] == "cancelled"
    assert sessions[cancelled]["cancelled_late"] == "0"
    assert (sessions[held]["outcome"], sessions[held]["learner_met"]) == ("held", "yes")
    assert (sessions[missed]["outcome"], sessions[missed]["learner_met"]) == ("missed", "")
    assert sessions[held]["starts_at"].endswith("+00:00")
    assert any(r["outcome"] == "" for r in sessions.values())  # weeks still ahead

    answered = [r for r in files["checkins.csv"] if r["status"] == "answered"]
    assert [(r["learner"], r["motivation"], r["areas"]) for r in answered] == [
        (alias(pair.learner_id), "4", "school=good")
    ]

    rows = {int(r["concern"]): r for r in files["concerns.csv"]}
    assert set(concerns) <= set(rows)
    urgent, high, resolved, *_ = (rows[i] for i in concerns)
    assert (urgent["kind"], urgent["severity"], urgent["status"]) == ("safety", "urgent", "open")
    assert urgent["subject"] == alias(pair.learner_id) and urgent["acknowledged_at"] == ""
    assert high["acknowledged_at"] and high["overdue"] == "0"
    assert (resolved["status"], resolved["outcome"]) == ("resolved", "talked_to_pair")

    # The same pseudonyms in the next export; each export is in the audit log.
    mark = sim.last_seq()
    await sim.send("carla", "/export")
    assert csv_files(sim, mark)["pairs.csv"] == files["pairs.csv"]
    async with sim.tandem.db.unit_of_work() as uow:
        audit = (await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "export"))).all()
        assert len(audit) == 2


async def test_learners_and_mentors_are_refused(cohort: Simulation) -> None:
    sim = cohort
    _, learner, mentor = await begin_mentoring(sim)
    mark = sim.last_seq()
    for who in (learner, mentor):
        for command in ("/stats", "/export"):
            assert (await sim.send(who, command))[-1].text == "Only coordinators can use this command."
        assert not [e for e in sim.transcript(who, mark) if e.document]
    async with sim.tandem.db.unit_of_work() as uow:
        assert not (await uow.session.execute(select(AuditEntry).where(AuditEntry.action == "export"))).all()
