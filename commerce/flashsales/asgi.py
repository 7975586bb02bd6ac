"""The lean 抢购 route: `POST /flash/<id>/press/` answered on the event loop, before Django's handler.

Django runs this shop's middleware chain and views sync, one request at a time per Daphne process (see
config/asgi_handler.py); a crowd pressing 抢购 in the same second would queue behind each other. This ASGI
wrapper (mounted in config/asgi.py) answers the common press without Django's handler and without the
database: it is a thin entry point, every rule stays in `commerce.flashsales.services`.

What it checks before the gate, each as strictly as Django would (anything it cannot decide goes to Django's
own view, `views.press`, unchanged — the slow path gives the full answer):
- Host in ALLOWED_HOSTS; HTTPS when SECURE_SSL_REDIRECT is on (SECURE_PROXY_SSL_HEADER honoured);
- CSRF: Origin (or, on HTTPS without Origin, Referer) is the site or a CSRF_TRUSTED_ORIGINS entry, and the
  X-CSRFToken header (or csrfmiddlewaretoken field) matches the csrftoken cookie (Django's own check);
- the shopper: the sale page's signed ticket (`services.issue_ticket`: sale, user, default address, a tag of
  the session key, at most 30 minutes old) for this session cookie, and the session itself still in the
  cache (checked inside the Lua step: a logged-out session goes to Django, which answers 401);
- the client address as `config.client_address` sees it (per-address rate limit, inside the Lua step).
`read_press` does these checks (shared with the route that answers from the socket, fast_http.py); then
`services.apress` runs the Lua step and `respond` writes the JSON answer at once (a refusal's body is made once
per language); accepted presses wait on the sale's Redis queue for a drainer (`services.drain_queue`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as SESSION_KEY_PREFIX
from django.core.cache import caches
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.middleware.csrf import CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH, _does_token_match
from django.utils import translation

from commerce.errors import CommerceError
from commerce.flashsales import gate, services
from commerce.flashsales.errors import SoldOut
from commerce.flashsales.models import EntryStatus
from config.client_address import client_ip_from
from config.settings_memo import from_settings

logger = logging.getLogger(__name__)

PRESS_PATH = re.compile(r"/flash/([1-9][0-9]{0,17})/press/")
_TOKEN_LENGTHS = (CSRF_SECRET_LENGTH, CSRF_TOKEN_LENGTH)
#: A press is a few dozen bytes of form; a bigger body goes to Django (which has its own limits).
MAX_BODY = 4096


class FlashPressRoute:
    """ASGI app: the lean route for POST /flash/<id>/press/, everything else (and every doubt) to `app`."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        match = PRESS_PATH.fullmatch(scope.get("path", "")) if scope["type"] == "http" else None
        if match is None or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        chunks, complete = await _read_body(receive)
        answer = None
        if complete:
            try:
                answer = await _lean_press(scope, int(match.group(1)), b"".join(chunks))
            except Exception:  # noqa: BLE001 - the lean route never fails a press: Django's view answers it
                logger.warning("flash press: lean route failed, handing over to Django", exc_info=True)
        if answer is None:
            await self.app(scope, _replay(chunks, complete, receive), send)
            return
        status, payload, headers = answer
        headers = [*headers, (b"content-length", b"%d" % len(payload))]  # not chunked by Twisted
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})


async def _read_body(receive) -> tuple[list[bytes], bool]:
    """The request body's chunks, and whether it ended within MAX_BODY bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return chunks, False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return chunks, size <= MAX_BODY
        if size > MAX_BODY:
            return chunks, False


def _replay(chunks: list[bytes], complete: bool, receive):
    """A `receive` that gives Django the chunks already read, then the rest of the connection's messages."""
    pending = [{"type": "http.request", "body": c, "more_body": True} for c in chunks]
    if complete and pending:
        pending[-1]["more_body"] = False

    async def replay():
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


def header_dict(pairs) -> dict[str, str]:
    """{lower-case name: value} of ASGI header pairs, cookies joined as one header."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[key] = f"{headers[key]}; {text}" if key == "cookie" and key in headers else text
    return headers


class _RouteSettings(NamedTuple):
    """The settings a press reads, read once (and again after any setting changes: tests override them), and
    what the route works out from them as it goes: Host headers checked against ALLOWED_HOSTS, and the answers'
    bodies and labels per language (translating and encoding one costs more than the rest of a press)."""

    allowed_hosts: list[str]
    ssl_redirect: bool
    proxy_ssl: tuple[str, str] | None  # (lower-case header name, value) of SECURE_PROXY_SSL_HEADER
    cached_db_sessions: bool
    session_cookie: str
    session_key: Callable[[str], str]  # the session cache's make_key
    csrf_use_sessions: bool
    csrf_trusted_origins: frozenset[str]
    csrf_cookie: str
    csrf_header: str  # lower-case header name
    language_cookie: str
    languages: frozenset[str]
    language_code: str
    hsts: str  # the Strict-Transport-Security value on HTTPS, "" for none
    hosts: dict[str, bool]  # Host header -> allowed (at most _MAX_HOSTS kept)
    refusals: dict[tuple[type, str], tuple[int, bytes]]  # (error class, language) -> (status, JSON body)
    labels: dict[tuple[str, str], str]  # (entry status, language) -> label


def _read_settings() -> _RouteSettings:
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    hsts = ""
    if getattr(settings, "SECURE_HSTS_SECONDS", 0):
        hsts = f"max-age={settings.SECURE_HSTS_SECONDS}"
        if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
            hsts += "; includeSubDomains"
        if settings.SECURE_HSTS_PRELOAD:
            hsts += "; preload"
    return _RouteSettings(
        allowed_hosts=list(settings.ALLOWED_HOSTS),
        ssl_redirect=bool(settings.SECURE_SSL_REDIRECT),
        proxy_ssl=(_header_name(proxy[0]), proxy[1]) if proxy else None,
        cached_db_sessions=settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db",
        session_cookie=settings.SESSION_COOKIE_NAME,
        session_key=caches[settings.SESSION_CACHE_ALIAS].make_key,
        csrf_use_sessions=bool(getattr(settings, "CSRF_USE_SESSIONS", False)),
        csrf_trusted_origins=frozenset(settings.CSRF_TRUSTED_ORIGINS),
        csrf_cookie=settings.CSRF_COOKIE_NAME,
        csrf_header=_header_name(settings.CSRF_HEADER_NAME),
        language_cookie=settings.LANGUAGE_COOKIE_NAME,
        languages=frozenset(code for code, _name in settings.LANGUAGES),
        language_code=settings.LANGUAGE_CODE,
        hsts=hsts,
        hosts={},
        refusals={},
        labels={},
    )


_settings = from_settings(_read_settings)


def _header_name(meta_name: str) -> str:
    return meta_name.removeprefix("HTTP_").replace("_", "-").lower()


def _is_secure(scheme: str, headers: dict[str, str], config: _RouteSettings) -> bool:
    if scheme == "https":
        return True
    if config.proxy_ssl:
        name, value = config.proxy_ssl
        return headers.get(name, "").split(",")[0].strip() == value
    return False


def _same_origin(url: str, host: str, secure: bool, trusted: frozenset[str], *, require_https: bool) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if require_https and parts.scheme != "https":
        return False
    origin = f"{parts.scheme}://{parts.netloc}"
    if origin in trusted:
        return True
    return parts.netloc == host and parts.scheme == ("https" if secure else "http")


def _csrf_ok(
    headers: dict[str, str], cookies: dict[str, str], form: dict, host: str, secure: bool, config: _RouteSettings
) -> bool:
    if config.csrf_use_sessions:
        return False
    trusted = config.csrf_trusted_origins
    origin = headers.get("origin")
    if origin is not None:
        if not _same_origin(origin, host, secure, trusted, require_https=False):
            return False
    elif secure:
        referer = headers.get("referer")
        if not referer or not _same_origin(referer, host, secure, trusted, require_https=True):
            return False
    secret = cookies.get(config.csrf_cookie, "")
    token = headers.get(config.csrf_header) or (form.get("csrfmiddlewaretoken") or [""])[0]
    return _token_format_ok(secret) and _token_format_ok(token) and _does_token_match(token, secret)


def _token_format_ok(token: str) -> bool:
    """Django's `_check_token_format` without its lazily compiled pattern (a proxy call per use, a tenth of the
    CSRF check): a secret's or a masked token's length, only ASCII letters and digits."""
    return len(token) in _TOKEN_LENGTHS and token.isascii() and token.isalnum()


#: Host headers kept once checked (a shop answers to a handful; a client's inventions beyond this many are checked
#: every time instead of being kept).
_MAX_HOSTS = 64


def _allowed_host(host: str, config: _RouteSettings) -> bool:
    allowed = config.hosts.get(host)
    if allowed is None:
        domain, _port = split_domain_port(host)
        allowed = bool(domain) and validate_host(domain, config.allowed_hosts)
        if len(config.hosts) < _MAX_HOSTS:
            config.hosts[host] = allowed
    return allowed


def _language(cookies: dict[str, str], config: _RouteSettings) -> str:
    chosen = cookies.get(config.language_cookie, "")
    return chosen if chosen in config.languages else config.language_code


#: A press's form has two fields (request_id, ticket); more than this many is not a press of the sale page.
MAX_FIELDS = 20


def _form(text: str) -> dict[str, list[str]]:
    """`parse_qs(text, max_num_fields=MAX_FIELDS)`; a form with nothing escaped ("%", "+": what the sale page
    sends) is split here instead, the same way (a field without "=" or without a value is left out)."""
    if "%" in text or "+" in text:
        return parse_qs(text, max_num_fields=MAX_FIELDS)
    if text.count("&") >= MAX_FIELDS:
        raise ValueError("Max number of fields exceeded")
    form: dict[str, list[str]] = {}
    for field in text.split("&"):
        name, equals, value = field.partition("=")
        if equals and value:
            form.setdefault(name, []).append(value)
    return form


class Press(NamedTuple):
    """A press the lean route takes to the gate: whose, which request, and how its answer is written."""

    ticket: services.Ticket
    request_id: str
    address: str
    session_cache_key: str
    language: str
    secure: bool


def read_press(headers: dict[str, str], client_host: str, scheme: str, sale_id: int, body: bytes) -> Press | None:
    """The press in this request if the lean route may answer it, else None: Django's view answers it.
    `headers`: lower-case names (cookies joined with "; "), `client_host`: the connection's peer."""
    config = _settings()
    host = headers.get("host", "")
    if not _allowed_host(host, config):
        return None
    secure = _is_secure(scheme, headers, config)
    if config.ssl_redirect and not secure:
        return None
    if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    cookies = parse_cookie(headers.get("cookie", ""))
    session_key = cookies.get(config.session_cookie, "")
    if not session_key or not config.cached_db_sessions:
        return None
    try:
        form = _form(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not _csrf_ok(headers, cookies, form, host, secure, config):
        return None
    token = headers.get("x-flash-ticket") or (form.get("ticket") or [""])[0]
    ticket = services.read_ticket(token, sale_id=sale_id, session_key=session_key)
    if ticket is None:
        return None
    return Press(
        ticket=ticket,
        request_id=(form.get("request_id") or [""])[0],
        address=client_ip_from(client_host, headers.get("x-forwarded-for", "")),
        session_cache_key=str(config.session_key(SESSION_KEY_PREFIX + session_key)),
        language=_language(cookies, config),
        secure=secure,
    )


def known_refusal(
    headers: dict[str, str], scheme: str, sale_id: int
) -> tuple[int, bytes, tuple[tuple[bytes, bytes], ...]] | None:
    """(status, JSON body, headers) of 已抢光 when the gate said a moment ago that the sale is sold out
    (`gate.sold_out_known`), else None. Neither Redis nor the shopper is asked: the answer changes nothing and
    says only what the sale page shows everyone; only the Host and HTTPS rules still apply."""
    if not gate.sold_out_known(sale_id):
        return None
    config = _settings()
    if not _allowed_host(headers.get("host", ""), config):
        return None
    secure = _is_secure(scheme, headers, config)
    if config.ssl_redirect and not secure:
        return None
    cookie = headers.get("cookie", "")
    language = _language(parse_cookie(cookie), config) if config.language_cookie in cookie else config.language_code
    status, payload = _refusal(SoldOut, language, config)
    return status, payload, _headers_for(language, config.hsts if secure else "")


def respond(press: Press, answer: services.LeanAnswer) -> tuple[int, bytes, tuple[tuple[bytes, bytes], ...]] | None:
    """(status, JSON body, headers) of the gate's answer, or None when Django's view must answer it."""
    config = _settings()
    if answer.refusal is not None:
        status, payload = _refusal(answer.refusal, press.language, config)
    elif answer.result is not None:
        result = answer.result
        status = result.http_status
        payload = _json(result.as_dict(label=_label(result.status, press.language, config)))
    else:
        return None
    return status, payload, _headers_for(press.language, config.hsts if press.secure else "")


#: json.dumps(ensure_ascii=False) makes an encoder per call; one made once writes the same bytes.
_ENCODER = json.JSONEncoder(ensure_ascii=False)


def _json(body: dict) -> bytes:
    return _ENCODER.encode(body).encode()


def _refusal(refusal: type[CommerceError], language: str, config: _RouteSettings) -> tuple[int, bytes]:
    """A refusal's (status, JSON body): the same for every shopper who reads `language` (it carries no data)."""
    key = (refusal, language)
    found = config.refusals.get(key)
    if found is None:
        with translation.override(language):
            error = refusal()
            found = config.refusals[key] = (error.http_status, _json(error.as_dict()))
    return found


def _label(status: str, language: str, config: _RouteSettings) -> str:
    key = (status, language)
    label = config.labels.get(key)
    if label is None:
        with translation.override(language):
            label = config.labels[key] = str(EntryStatus(status).label)
    return label


@lru_cache(maxsize=64)
def _headers_for(language: str, hsts: str) -> tuple[tuple[bytes, bytes], ...]:
    out = [
        (b"content-type", b"application/json"),
        (b"x-flash-route", b"lean"),  # answered here, not by Django's view (the bench counts these)
        (b"cache-control", b"no-store"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"content-language", language.encode()),
        (b"vary", b"Cookie"),
    ]
    if hsts:
        out.append((b"strict-transport-security", hsts.encode()))
    return tuple(out)


async def warm() -> None:
    """Before the first crowd: read the settings, compile Django's lazy host pattern, translate the
    default language's answers, make the session cache's client and open the gate's connection
    (services.warm_lean_route), so that a burst in a fresh process does not pay for them."""
    split_domain_port("localhost")
    config = _settings()
    _refusal(SoldOut, config.language_code, config)  # the answer most of a crowd gets, and the accepted one's label
    _label(EntryStatus.QUEUED, config.language_code, config)
    await services.warm_lean_route()


async def _lean_press(scope, sale_id: int, body: bytes):
    """(status, body, headers) for a press this route can answer, or None: Django's view answers it."""
    client = scope.get("client") or ("", 0)
    headers = header_dict(scope.get("headers", []))
    scheme = scope.get("scheme", "http")
    refused = known_refusal(headers, scheme, sale_id)
    if refused is not None:
        return refused
    press = read_press(headers, str(client[0] or ""), scheme, sale_id, body)
    if press is None:
        return None
    answer = await services.apress(
        ticket=press.ticket,
        request_id=press.request_id,
        address=press.address,
        session_cache_key=press.session_cache_key,
    )
    return respond(press, answer)
