"""Prometheus metrics (prometheus-client): counters kept as things happen, and gauges read from
the database when ``/metrics`` is scraped, so every replica reports the same shared figures.

Labels carry kinds and severities, never ids or anything a person wrote.
"""

from __future__ import annotations

from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Gauge, Histogram, generate_latest

from storage.database import Database

UPDATES = Counter("tandem_updates_total", "Updates received, by kind (re-deliveries too).", ["kind"])
DUPLICATE_UPDATES = Counter("tandem_duplicate_updates_total", "Updates seen before (re-delivered), skipped.")
FAILED_UPDATES = Counter(
    "tandem_failed_updates_total", "Updates whose handling raised (the person got an apology)."
)
HANDLER_SECONDS = Histogram(
    "tandem_handler_seconds",
    "Time from an update reaching the core to its replies being sent.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
MESSAGES_SENT = Counter("tandem_messages_sent_total", "Messages Telegram accepted.")
DELIVERY_FAILURES = Counter("tandem_delivery_failures_total", "Sends that failed, by outcome.", ["outcome"])
FLOOD_WAITS = Counter("tandem_flood_waits_total", "429 answers (retry_after) from Telegram.")
JOBS_RUN = Counter("tandem_due_jobs_run_total", "Due jobs this replica ran.")
JOBS_EARLY = Counter(
    "tandem_due_jobs_early_total", "Due jobs run before their due time (inside their window) to stay on time."
)
PAID_BROADCASTS = Counter(
    "tandem_paid_broadcasts_total", "Due jobs whose message went as a paid broadcast (it could not fit)."
)
BULK_EXPECTED_LATE = Gauge(
    "tandem_bulk_expected_late",
    "Scheduled messages of the next 24 hours that cannot go inside their windows at the send budget.",
)
WEBHOOK_REJECTED = Counter(
    "tandem_webhook_rejected_total", "Webhook requests refused, by reason.", ["reason"]
)

DUE_JOBS_WAITING = Gauge("tandem_due_jobs_waiting", "Due jobs whose time has come and that have not run.")
OUTBOX_WAITING = Gauge("tandem_outbox_waiting", "Messages written and not yet delivered.")
OPEN_CONCERNS = Gauge("tandem_open_concerns", "Concerns not resolved, by severity.", ["severity"])
OLDEST_UNACKNOWLEDGED = Gauge(
    "tandem_oldest_unacknowledged_alert_seconds",
    "Age of the oldest unacknowledged concern, by severity (0: none).",
    ["severity"],
)
SEVERITIES = ("urgent", "high", "normal")


async def refresh(db: Database, now: datetime) -> None:
    """Read the shared figures (one short transaction) into the gauges."""
    async with db.unit_of_work() as uow:
        figures = await uow.operations.figures(now)
    DUE_JOBS_WAITING.set(figures.due_jobs_waiting)
    OUTBOX_WAITING.set(figures.outbox_waiting)
    for severity in SEVERITIES:
        OPEN_CONCERNS.labels(severity).set(figures.open_concerns.get(severity, 0))
    for severity in SEVERITIES:
        oldest = figures.oldest_unacknowledged.get(severity)
        age = 0.0 if oldest is None else max(0.0, (now - oldest).total_seconds())
        OLDEST_UNACKNOWLEDGED.labels(severity).set(age)


def totals() -> dict[str, int]:
    """This process's counts so far (each counter summed over its labels), for ``tandem run``'s
    periodic line."""
    return {
        "updates": _sum(UPDATES),
        "sent": _sum(MESSAGES_SENT),
        "jobs": _sum(JOBS_RUN),
    }


def _sum(counter: Counter) -> int:
    return int(sum(s.value for m in counter.collect() for s in m.samples if s.name.endswith("_total")))


def exposition() -> tuple[bytes, str]:
    """The text format Prometheus scrapes, and its content type."""
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
