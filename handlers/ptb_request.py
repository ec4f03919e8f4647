"""python-telegram-bot's requests over aiohttp instead of httpx.

PTB makes room for this: ``telegram.request.BaseRequest`` is its interface for "different asyncio
HTTP libraries", and everything above it (the Bot API's errors, 429s, JSON) stays PTB's own. Tandem
uses it because, measured in ``tandem bench updates``, httpx's stack (httpx, httpcore, h11, anyio)
was the largest single cost of an update on PTB: a tap is answered with two or three calls to the
Bot API, and each went through it.

A failure keeps the distinction delivery depends on (``handlers.ptb_messenger.classify``): a
request that never left (no connection, none free in time) cannot have been carried out; one
whose answer did not come may have been.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson
from telegram.error import NetworkError, TelegramError, TimedOut
from telegram.request import BaseRequest, RequestData

from handlers.bot_api import JSON_BODY

# aiohttp's failures before the request was written: Telegram cannot have carried it out.
NEVER_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


class AiohttpRequest(BaseRequest):
    """One aiohttp session with a pool of ``connections``; PTB's timeouts map onto aiohttp's:
    ``connect`` and ``pool`` bound getting a connection, ``read`` the wait for the answer.
    aiohttp has no write timeout; a write that stalls ends at the read timeout instead."""

    def __init__(
        self,
        *,
        connections: int,
        connect_timeout: float | None,
        read_timeout: float | None,
        pool_timeout: float | None,
    ) -> None:
        self._connections = connections
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._pool_timeout = pool_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing yet: the session is made by the first request, so a request object PTB never
        uses (the getUpdates one: Tandem polls by itself) holds no connections."""

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            headers = {"User-Agent": self.USER_AGENT}
            self._session = aiohttp.ClientSession(connector=connector, headers=headers)
        return self._session

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """orjson instead of the standard library's json; and, unlike PTB's own, an answer that is
        not JSON is not written to the log (it may quote what someone wrote)."""
        try:
            parsed: dict[str, Any] = orjson.loads(payload)
        except orjson.JSONDecodeError:
            raise TelegramError("Invalid server response") from None
        return parsed

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._open()
        connect = _given(connect_timeout, self._connect_timeout)
        pool = _given(pool_timeout, self._pool_timeout)
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None if connect is None or pool is None else connect + pool,
            sock_connect=connect,
            sock_read=_given(read_timeout, self._read_timeout),
        )
        try:
            body = _body(request_data)
            headers = JSON_BODY if isinstance(body, bytes) else None
            async with session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except NEVER_SENT as exc:
            message = "the request was not sent to Telegram"
            if isinstance(exc, aiohttp.ConnectionTimeoutError):
                raise TimedOut(message) from exc
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {message}") from exc
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:
            raise NetworkError(f"aiohttp.{type(exc).__name__}: {exc}") from exc


def _given(value: Any, default: float | None) -> float | None:
    """A timeout PTB passed for this call, or the request's own (PTB's DEFAULT_NONE)."""
    return default if isinstance(value, type(BaseRequest.DEFAULT_NONE)) else value


def _body(request_data: RequestData | None) -> aiohttp.FormData | bytes | None:
    """The parameters as a JSON body, which the Bot API takes as it takes a form: PTB's values are
    the strings it would put in one, and a form's encoding quotes each byte of each in Python (about
    80 µs for a question with its keyboard). With files, a multipart form, as PTB sends it."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        return orjson.dumps(fields)
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
