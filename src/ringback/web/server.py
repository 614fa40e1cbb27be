"""The uvicorn configuration ``ringback serve`` runs with: one builder, so the tests start
exactly the server users get.

h11 rather than httptools: uvicorn caps the request line plus headers only for h11
(``h11_max_incomplete_event_size``); with httptools a client could send 64 MB of headers,
and four such clients stalled every other request for seconds. h11 is slower per request,
but far faster than the webhook targets need (docs/benchmarks.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn
    from starlette.types import ASGIApp

    from ringback.config import Settings


def uvicorn_config(
    app: ASGIApp,
    settings: Settings,
    *,
    host: str,
    port: int,
    log_level: str = "info",
    access_log: bool = False,
) -> uvicorn.Config:
    """uvicorn's settings for ``app``, with the limits from ``settings`` (``RINGBACK_WEB_*``)."""
    import uvicorn

    proxies = settings.web_forwarded_allow_ips.strip()
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        loop="auto",  # uvloop when installed
        http="h11",
        h11_max_incomplete_event_size=settings.web_max_header_kb * 1024,
        limit_concurrency=settings.web_max_connections,
        timeout_keep_alive=settings.web_keep_alive_seconds,
        backlog=settings.web_backlog,
        server_header=False,
        # X-Forwarded-For is believed only from the proxy's own address: anyone else could
        # name any client address and step around the sign-in throttle.
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies or None,
    )


def settle_heap() -> None:
    """Take what start-up built (every module, route, template and model: a few hundred
    thousand objects) out of the cyclic garbage collector's scans, once, before serving.

    Otherwise each full collection walks all of it again, in the middle of whichever request
    crossed the collector's threshold: the Stats page, which allocates the most, took
    170-230 ms at p95 against 40-50 ms at p50 (bench/bench_web.py, 10,000 contacts); with
    the start-up objects frozen, 50-80 ms. What requests allocate is collected as before.
    Only the serving process calls this: a process that builds many apps (the tests) would
    keep every old one.
    """
    import gc

    gc.collect()  # what is garbage now is freed, not frozen
    gc.freeze()
