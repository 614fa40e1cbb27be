"""``/metrics`` for Prometheus: signed-in users and API tokens only (not public).

What workers did is read from the database at scrape time (:mod:`ringback.ops.figures`),
so the figures are right whatever process or machine did the work; only the Twilio
webhooks' answer time, which happens in this process, is timed here. Families:

* ``ringback_queue_depth{queue}``: transcribe, download, calls, mail (and webhooks)
* ``ringback_voicemails_waiting{stage}``: unfinished voicemails by the stage they wait at
* ``ringback_jobs_total{kind,outcome}``: finished jobs since the beginning
* ``ringback_transcription_rtf``: transcription seconds per second of audio (histogram)
* ``ringback_hangup_to_email_seconds``: from the voicemail received to its email sent
* ``ringback_webhook_seconds{route}``: the Twilio webhooks' answer time in this process
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

from ringback.web.auth import require

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from ringback.config import Settings

log = logging.getLogger("ringback.web")

RTF_BUCKETS = (0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 5.0)
LATENCY_BUCKETS = (5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)
WEBHOOK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
WEBHOOK_PREFIX = "/telephony/twilio/"
# The webhook routes by name; anything else under the prefix is "other", so a stranger
# posting to made-up paths cannot grow the label set without bound.
WEBHOOK_ROUTES = frozenset({"voice", "intake", "recorded", "recording", "status"})


class Buckets:
    """A cumulative histogram filled from the database, one observation per voicemail."""

    def __init__(self, bounds: Sequence[float]) -> None:
        self.bounds = tuple(bounds)
        self.counts = [0] * (len(self.bounds) + 1)
        self.total = 0.0

    def observe(self, value: float) -> None:
        index = next((i for i, b in enumerate(self.bounds) if value <= b), len(self.bounds))
        self.counts[index] += 1
        self.total += value

    def family(self, name: str, documentation: str) -> HistogramMetricFamily:
        running, cumulative = 0, []
        for bound, count in zip([*map(str, self.bounds), "+Inf"], self.counts, strict=True):
            running += count
            cumulative.append((bound, running))
        return HistogramMetricFamily(name, documentation, buckets=cumulative, sum_value=self.total)


class DatabaseCollector(Collector):
    """Reads the figures at every scrape; the histograms grow by the voicemails settled
    since the last one (:class:`ringback.ops.figures.FinishedTracker`)."""

    def __init__(self, settings: Settings) -> None:
        from ringback.ops.figures import FinishedTracker

        self.settings = settings
        self.tracker = FinishedTracker()
        self.rtf = Buckets(RTF_BUCKETS)
        self.latency = Buckets(LATENCY_BUCKETS)
        self.lock = threading.Lock()  # two scrapes at once must not take a voicemail twice

    def collect(self) -> Iterator[Metric]:
        from ringback.db.session import transaction
        from ringback.ops import figures

        outbox = self.settings.data_dir / "outbox"
        up = GaugeMetricFamily("ringback_database_up", "1 when the figures could be read")
        try:
            with self.lock, transaction(self.settings.effective_database_url) as session:
                depths = figures.depths(session, outbox=outbox)
                outcomes = figures.outcomes(session, outbox=outbox)
                for item in self.tracker.take(session, outbox=outbox):
                    if item.rtf is not None:
                        self.rtf.observe(item.rtf)
                    if item.latency is not None:
                        self.latency.observe(item.latency)
        except Exception:
            log.exception("metrics: the database could not be read")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from self._families(depths, outcomes)

    def _families(self, depths: Any, outcomes: Any) -> Iterator[Metric]:
        queue = GaugeMetricFamily(
            "ringback_queue_depth", "Jobs waiting, per queue", labels=["queue"]
        )
        for name, n in sorted(depths.queues.items()):
            queue.add_metric([name], n)
        yield queue
        stages = GaugeMetricFamily(
            "ringback_voicemails_waiting",
            "Unfinished voicemails by the pipeline stage they wait at",
            labels=["stage"],
        )
        for name, n in sorted(depths.voicemail_stages.items()):
            stages.add_metric([name], n)
        yield stages
        jobs = CounterMetricFamily(
            "ringback_jobs", "Jobs finished, by kind and outcome", labels=["kind", "outcome"]
        )
        for (kind, outcome), n in sorted(outcomes.counts.items()):
            jobs.add_metric([kind, outcome], n)
        yield jobs
        with self.lock:
            yield self.rtf.family(
                "ringback_transcription_rtf", "Transcription time per second of audio"
            )
            yield self.latency.family(
                "ringback_hangup_to_email_seconds",
                "From a voicemail received to its email delivered, seconds",
            )


class WebhookTimer:
    """ASGI middleware timing the Twilio webhooks (request in → response sent)."""

    def __init__(self, app: ASGIApp, histogram: Histogram) -> None:
        self.app = app
        self.histogram = histogram

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not path.startswith(WEBHOOK_PREFIX):
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()

        async def timed_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                route = path[len(WEBHOOK_PREFIX) :].split("/", 1)[0]
                route = route if route in WEBHOOK_ROUTES else "other"
                self.histogram.labels(route).observe(time.perf_counter() - t0)

        await self.app(scope, receive, timed_send)


def metrics_registry(settings: Settings) -> tuple[CollectorRegistry, Histogram]:
    """One registry per app: the database collector and the webhook timer."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(settings))
    webhooks = Histogram(
        "ringback_webhook_seconds",
        "Twilio webhook answer time in this web process, seconds",
        ["route"],
        buckets=WEBHOOK_BUCKETS,
        registry=registry,
    )
    return registry, webhooks


def metrics_router(registry: CollectorRegistry) -> APIRouter:
    """``GET /metrics``: the Prometheus text format, for a session or an API token of a
    user who may manage the settings: the figures are the whole team's, not one rep's."""
    router = APIRouter(dependencies=[require("manage_settings")])

    @router.get("/metrics")
    async def metrics() -> Response:
        body = await run_in_threadpool(generate_latest, registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    return router
