"""What /metrics exposes, in one registry owned by the app (no process-wide globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """Every counter, gauge and histogram the app exports, in a registry of its own, so each app
    (and each test) counts from zero."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages_in = Counter(
            "screenbot_messages_in", "Inbound events handled", ["channel"], registry=r
        )
        self.messages_out = Counter(
            "screenbot_messages_out", "Replies delivered", ["channel"], registry=r
        )
        self.duplicates = Counter(
            "screenbot_duplicate_events",
            "Inbound events refused as repeats",
            ["channel"],
            registry=r,
        )
        self.screenings = Counter(
            "screenbot_screenings", "Screenings by outcome", ["flow", "outcome"], registry=r
        )
        self.turn_seconds = Histogram(
            "screenbot_turn_seconds",
            "Time from an event's arrival to its committed turn",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=r,
        )
        self.outbox_backlog = Gauge(
            "screenbot_outbox_backlog", "Replies written but not yet sent", ["channel"], registry=r
        )
        self.platform_errors = Counter(
            "screenbot_platform_errors",
            "Errors from platform APIs",
            ["channel", "kind"],
            registry=r,
        )
        self.database_retries = Counter(
            "screenbot_database_retries",
            "Commits retried because the database was unreachable",
            registry=r,
        )
        self.digests = Counter(
            "screenbot_digest_slots", "Digest slots by outcome", ["flow", "outcome"], registry=r
        )

        self.grading_backlog = Gauge(
            "screenbot_grading_backlog",
            "Free-text answers stored and waiting for the grader",
            registry=r,
        )
        self.answers_graded = Counter(
            "screenbot_answers_graded",
            "Free-text answers graded by the worker, by outcome",
            ["outcome"],
            registry=r,
        )
        self.grading_model_up = Gauge(
            "screenbot_grading_model_up",
            "1 once the grading model is loaded, 0 while it cannot be",
            registry=r,
        )

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format, for /metrics."""
        return generate_latest(self.registry)
