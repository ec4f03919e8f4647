"""The console's HTTP side: signing in (a one-time link, or Telegram's ``initData`` in the Mini
App), the session cookie, CSRF, and the pages, rendered on the server with Jinja2.

Every request that shows or changes something reads the session, then runs the page in the
coordinator's own context (``Dispatcher.act``), where the role is checked again (``may_see``)
in the same transaction as the reading or the change. A POST carries the session's CSRF token;
without it nothing runs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.app import Tandem
from bot.console import texts, views
from bot.console.scope import may_see
from bot.context import Context
from bot.features import roundtables
from bot.i18n import Translator
from bot.services import console_access
from storage.models import Person

HERE = Path(__file__).parent
COOKIE = "tandem_console"
HOME = "/console/overview"
MAX_FORM = 16 * 1024
HEADERS = {
    # Nothing from elsewhere; framed only by Telegram's web client (the Mini App there).
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'self' https://web.telegram.org"
    ),
    "Referrer-Policy": "no-referrer",  # a sign-in link's token never leaves in a Referer
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Running:
    """How the console finds the running bot (the demo builds a new one when it restarts)."""

    find: Callable[[], Tandem]


TANDEM = web.AppKey("console_tandem", Running)
PAGES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
View = Callable[[Context], Awaitable[views.Page]]
NAV = (
    ("overview", texts.OVERVIEW),
    ("people", texts.PEOPLE),
    ("matching", texts.MATCHING),
    ("cases", texts.CASES),
    ("screening", texts.SCREENING),
    ("roundtables", roundtables.TITLE),
    ("exports", texts.EXPORTS),
)


def mount(app: web.Application, tandem: Tandem | Callable[[], Tandem]) -> None:
    """Add the console under ``/console`` to an aiohttp application (``tandem run``'s or the
    demo's); ``tandem``: the running bot, or how to find it (the demo's restarts)."""
    app[TANDEM] = Running(tandem if callable(tandem) else (lambda: tandem))
    add_get, add_post = app.router.add_get, app.router.add_post
    add_get("/console", _gate)
    add_post("/console/telegram", _telegram)
    add_get("/console/signin/{token}", _link)
    add_post("/console/signin/{token}", _spend_link)
    add_post("/console/signout", _sign_out)
    add_get("/console/overview", _page("overview", _plain(views.overview)))
    add_get("/console/cases", _page("cases", _plain(views.case_list)))
    add_get("/console/cases/{id:[0-9]{1,9}}", _page("case", _with_id(views.case_page)))
    add_post("/console/cases/{id:[0-9]{1,9}}", _action("case", views.case_action))
    add_get("/console/matching", _page("matching", _plain(views.matching)))
    add_post(
        "/console/matching", _action("matching", lambda ctx, _id, form: views.matching_action(ctx, form))
    )
    add_get("/console/people", _page("people", _with_query(views.people)))
    add_get("/console/people/{id:[0-9]{1,9}}", _page("person", _with_id(views.person_page)))
    add_get("/console/screening", _page("screening", _plain(views.screening_queue)))
    add_get("/console/roundtables", _page("roundtables", _plain(views.roundtable_list)))
    add_get("/console/exports", _page("exports", _plain(views.exports)))
    add_get("/console/exports/{name}", _export)
    app.router.add_static("/console/static", HERE / "static")


# --- signing in ------------------------------------------------------------------------------


async def _gate(request: web.Request) -> web.Response:
    """Where the Mini App's menu button and a bare visit land: the Mini App's page script posts
    Telegram's initData from the URL fragment; a browser is told to ask the bot for a link."""
    tandem = _tandem(request)
    signed_in = await _viewer(request) is not None
    return _render(request, "gate.html", _default_translator(tandem), signed_in=signed_in)


async def _telegram(request: web.Request) -> web.StreamResponse:
    tandem = _tandem(request)
    form = await _form(request)
    user_id = console_access.telegram_user(
        form.get("init_data", ""), tandem.settings.bot_token or "", tandem.clock.now()
    )
    if user_id is None:
        t = _default_translator(tandem)
        return _render(request, "refused.html", t, status=403, message=t(texts.TELEGRAM_REFUSED))
    async with tandem.db.unit_of_work() as uow:
        person = await uow.people.by_telegram_id(user_id)
    return _signed_in(request, person)


async def _link(request: web.Request) -> web.Response:
    """The link's page: one button, so that a link preview fetching the URL spends nothing."""
    return _render(
        request, "signin.html", _default_translator(_tandem(request)), token=request.match_info["token"]
    )


async def _spend_link(request: web.Request) -> web.StreamResponse:
    tandem = _tandem(request)
    async with tandem.db.unit_of_work() as uow:
        person_id = await console_access.spend_link(uow, request.match_info["token"], tandem.clock.now())
        person = await uow.people.get(person_id) if person_id is not None else None
    if person is None:
        t = _default_translator(tandem)
        return _render(request, "refused.html", t, status=403, message=t(texts.LINK_SPENT))
    return _signed_in(request, person)


def _signed_in(request: web.Request, person: Person | None) -> web.StreamResponse:
    """A session for a coordinator; anyone else is refused in their own language."""
    tandem = _tandem(request)
    if person is None or person.role != "coordinator":
        t = tandem.dispatcher.translator(person) if person is not None else _default_translator(tandem)
        message = t(texts.ONLY_COORDINATORS)
        return _render(request, "refused.html", t, status=403, message=message)
    key = console_access.session_key(tandem.settings.bot_token or "")
    response = _redirect(HOME)
    response.set_cookie(
        COOKIE,
        console_access.open_session(key, person.id, tandem.clock.now()),
        path="/console",
        max_age=int(console_access.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="Strict",
        secure=_https(request),
    )
    return response


async def _sign_out(request: web.Request) -> web.StreamResponse:
    session = _session(request)
    form = await _form(request)
    if session is None or not console_access.csrf_ok(_key(request), session, form.get("csrf", "")):
        return _refused_form(request)
    response = _redirect("/console")
    response.del_cookie(COOKIE, path="/console")
    return response


# --- pages -----------------------------------------------------------------------------------


def _page(
    name: str, view: Callable[[Context, web.Request], Awaitable[views.Page]]
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handler(request: web.Request) -> web.StreamResponse:
        person = await _viewer(request)
        if person is None:
            return _redirect("/console")
        return await _run(request, person, name, lambda ctx: view(ctx, request))

    return handler


def _plain(
    view: Callable[[Context], Awaitable[views.Page]],
) -> Callable[[Context, web.Request], Awaitable[views.Page]]:
    return lambda ctx, _request: view(ctx)


def _with_id(
    view: Callable[[Context, int], Awaitable[views.Page]],
) -> Callable[[Context, web.Request], Awaitable[views.Page]]:
    return lambda ctx, request: view(ctx, int(request.match_info["id"]))


def _with_query(
    view: Callable[[Context, dict[str, str]], Awaitable[views.Page]],
) -> Callable[[Context, web.Request], Awaitable[views.Page]]:
    return lambda ctx, request: view(ctx, {k: v for k, v in request.query.items() if len(v) <= 128})


def _action(
    name: str, act: Callable[[Context, int, dict[str, str]], Awaitable[views.Page]]
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A form's POST: the session and its CSRF token first, then the action in the coordinator's
    context; the page is shown again with what happened."""

    async def handler(request: web.Request) -> web.StreamResponse:
        person = await _viewer(request)
        session = _session(request)
        form = await _form(request)
        if (
            person is None
            or session is None
            or not console_access.csrf_ok(_key(request), session, form.get("csrf", ""))
        ):
            return _refused_form(request)
        number = int(request.match_info.get("id", "0"))
        return await _run(request, person, name, lambda ctx: act(ctx, number, form))

    return handler


async def _run(
    request: web.Request, person: Person, name: str, view: Callable[[Context], Awaitable[views.Page]]
) -> web.StreamResponse:
    async def checked(ctx: Context) -> tuple[views.Page | None, Translator]:
        if not await may_see(ctx):  # the role, again, in the page's own transaction
            return None, ctx.t
        return await view(ctx), ctx.t

    done = await _tandem(request).dispatcher.act(person, checked)
    if done is None:
        return _redirect("/console")
    page, t = done
    if page is None:
        return _render(request, "refused.html", t, status=403, message=t(texts.ONLY_COORDINATORS))
    if page.missing:
        return _render(request, "refused.html", t, status=404, message=t(texts.NOT_FOUND), nav=name)
    return _render(request, f"{name}.html", t, nav=name, page=page, **page.values)


async def _export(request: web.Request) -> web.StreamResponse:
    person = await _viewer(request)
    if person is None:
        return _redirect("/console")
    filename = request.match_info["name"]

    async def checked(ctx: Context) -> bytes | None:
        return await views.export_file(ctx, filename) if await may_see(ctx) else None

    content = await _tandem(request).dispatcher.act(person, checked)
    if content is None:
        raise web.HTTPNotFound()
    response = web.Response(body=content, content_type="text/csv", charset="utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _secured(response)


# --- plumbing --------------------------------------------------------------------------------


def _tandem(request: web.Request) -> Tandem:
    return request.app[TANDEM].find()


def _key(request: web.Request) -> bytes:
    return console_access.session_key(_tandem(request).settings.bot_token or "")


def _session(request: web.Request) -> console_access.Session | None:
    cookie = request.cookies.get(COOKIE, "")
    return (
        console_access.read_session(_key(request), cookie, _tandem(request).clock.now()) if cookie else None
    )


async def _viewer(request: web.Request) -> Person | None:
    """The person the session cookie names, as the database has them now."""
    session = _session(request)
    if session is None:
        return None
    async with _tandem(request).db.unit_of_work() as uow:
        return await uow.people.get(session.person_id)


async def _form(request: web.Request) -> dict[str, str]:
    if request.content_length is not None and request.content_length > MAX_FORM:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_FORM, actual_size=request.content_length)
    posted = await request.post()
    return {key: value for key, value in posted.items() if isinstance(value, str)}


def _https(request: web.Request) -> bool:
    return request.secure or (_tandem(request).settings.public_url or "").startswith("https://")


def _default_translator(tandem: Tandem) -> Translator:
    return Translator(tandem.settings.default_locale, tandem.settings.zone)


def _refused_form(request: web.Request) -> web.Response:
    t = _default_translator(_tandem(request))
    return _render(request, "refused.html", t, status=403, message=t(texts.FORM_EXPIRED))


def _render(
    request: web.Request, template: str, t: Translator, *, status: int = 200, **values: Any
) -> web.Response:
    session = _session(request)
    values.setdefault("nav", "")
    values.setdefault("page", views.Page())
    html = PAGES.get_template(template).render(
        t=t,
        T=texts,
        NAV=NAV,
        csrf=console_access.csrf_token(_key(request), session) if session else "",
        **values,
    )
    response = web.Response(text=html, content_type="text/html", status=status)
    _secured(response)
    return response


def _redirect(location: str) -> web.Response:
    response = web.Response(status=303, headers={"Location": location})
    _secured(response)
    return response


def _secured(response: web.StreamResponse) -> web.StreamResponse:
    response.headers.update(HEADERS)
    return response
