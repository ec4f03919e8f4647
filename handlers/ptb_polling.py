"""Building a python-telegram-bot Application for a Bot API address, and running its long
polling inside an already running event loop (``run_polling`` would want its own loop)."""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any, TypeAlias

from telegram import Update
from telegram.ext import Application, ApplicationBuilder

from bot.adapter import AdapterOptions
from handlers import log_privacy
from handlers.ptb_request import AiohttpRequest

# We use neither custom context types nor a job queue, so the generics carry nothing.
PtbApplication: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
PtbBuilder: TypeAlias = ApplicationBuilder[Any, Any, Any, Any, Any, Any]

logger = logging.getLogger("handlers.ptb")

# A connection attempt on loopback or to Telegram that takes longer than this is not coming.
CONNECT_SECONDS = 5.0


# get_updates has a pool of one connection, used by one poll at a time, so waiting for it only
# happens at stop: PTB's last getUpdates can find the cancelled long poll still holding it, and
# would wait the whole request timeout before giving up (seen under load: 30 s to stop).
GET_UPDATES_POOL_SECONDS = 2.0

# Connections to the Bot API at once, as PTB's own default for its requests.
POOL_SIZE = 256


def build_application(options: AdapterOptions, *, stock: bool = False) -> PtbApplication:
    """No rate limiter (our outbox owns the limits), no persistence, no job queue. Requests go
    over aiohttp (``handlers.ptb_request``), or with ``stock`` over PTB's own httpx (the echo
    bot, the benchmark's baseline, is PTB as shipped)."""
    log_privacy.install("telegram")
    # Opt in to PTB 23's timedelta durations now (retry_after is read either way); this also
    # silences the deprecation warning PTB 22 raises on every 429.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    builder = ApplicationBuilder().token(options.token)
    builder = _with_timeouts(builder, options) if stock else _over_aiohttp(builder, options)
    if options.base_url is not None:
        base = options.base_url.rstrip("/")  # PTB appends the token right after "/bot"
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    # Concurrent updates, as with aiogram: the core keeps each chat's events in order.
    return builder.job_queue(None).concurrent_updates(True).build()


def _over_aiohttp(builder: PtbBuilder, options: AdapterOptions) -> PtbBuilder:
    connect = min(CONNECT_SECONDS, options.request_timeout)
    timeout = options.request_timeout
    return builder.request(
        AiohttpRequest(
            connections=POOL_SIZE, connect_timeout=connect, read_timeout=timeout, pool_timeout=timeout
        )
    ).get_updates_request(
        AiohttpRequest(
            connections=1,
            connect_timeout=connect,
            read_timeout=timeout,
            pool_timeout=min(GET_UPDATES_POOL_SECONDS, timeout),
        )
    )


def _with_timeouts(builder: PtbBuilder, options: AdapterOptions) -> PtbBuilder:
    connect = min(CONNECT_SECONDS, options.request_timeout)
    timeout = options.request_timeout
    # PTB adds the long-poll timeout to get_updates' read timeout by itself.
    return (
        builder.connect_timeout(connect)
        .read_timeout(timeout)
        .write_timeout(timeout)
        .pool_timeout(timeout)
        .get_updates_connect_timeout(connect)
        .get_updates_read_timeout(timeout)
        .get_updates_write_timeout(timeout)
        .get_updates_pool_timeout(min(GET_UPDATES_POOL_SECONDS, timeout))
    )


async def start_application(app: PtbApplication) -> None:
    """getMe (initialize); updates then come through ``process_update``."""
    try:
        await app.initialize()
    except BaseException:
        await app.bot.request.shutdown()  # getMe failed: PTB leaves the request open
        raise
    await app.start()


async def start_polling(app: PtbApplication, options: AdapterOptions) -> None:
    """PTB's own polling (the echo bot's): getMe, then deleteWebhook and getUpdates in the
    background (updater). It confirms a batch as soon as it has read it, so Tandem's adapter
    polls with ``handlers.polling`` instead."""
    await start_application(app)
    updater = app.updater
    if updater is None:  # only when built with .updater(None), which we never do
        raise RuntimeError("PTB application has no updater")
    await updater.start_polling(
        timeout=dt.timedelta(seconds=options.polling_timeout),
        allowed_updates=Update.ALL_TYPES,
        drop_pending_updates=False,
    )


async def start_webhook(app: PtbApplication, url: str | None, secret: str) -> None:
    """getMe (initialize) and setWebhook; updates then come through ``process_update`` (our
    server, not PTB's updater, receives them: one server serves the webhook, health and metrics)."""
    await start_application(app)
    if url:
        await app.bot.set_webhook(url, secret_token=secret, allowed_updates=Update.ALL_TYPES)


async def stop_polling(app: PtbApplication) -> None:
    """Stop PTB's own polling, let the updates already fetched be handled, then close connections."""
    try:
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
    except Exception as exc:
        # The updater's last getUpdates (which marks fetched updates read) raises if it cannot
        # parse the batch; the application must still stop and close its connections.
        logger.error("PTB updater did not stop cleanly: %s", type(exc).__qualname__)
    finally:
        await stop_application(app)


async def stop_application(app: PtbApplication) -> None:
    if app.running:
        await app.stop()
    await app.shutdown()
