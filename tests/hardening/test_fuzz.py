"""A hostile client against every URL of the URLconf (SPEC J, issue 11): never a 500, never a row written by
a refused request.

Every URL pattern (shop, allauth, the simulators, Wagtail's admin and page serving) is turned into concrete
paths: one generated from its regex with real ids of this test's data where a parameter has a known name,
and garbage in each parameter. Each path gets every method, garbage query strings, form bodies and JSON
bodies (wrong types, 10,000-character strings, NUL, invalid UTF-8, deep nesting, several MB), as an
anonymous visitor and as a logged-in shopper. The run is deterministic (fixed seed) and bounded: at most
MAX_REQUESTS requests and TIME_BUDGET seconds (routes are visited round-robin, so every route gets its basic
cases before any gets extras). It asserts no response >= 500 and that no 4xx request changed a row count.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver

try:  # Python 3.11+
    import re._constants as sre_constants
    import re._parser as sre_parse
except ImportError:  # pragma: no cover
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

from tests.factories import (
    AddressFactory,
    CouponFactory,
    UserFactory,
    ensure_wagtail_tree,
    make_spu_with_specs,
    order_of_one,
)

pytestmark = pytest.mark.django_db

SEED = 20261130
MAX_REQUESTS = 4000
TIME_BUDGET = 40.0  # seconds of requests; the fixture data and the count snapshots come on top
#: Tables a refused request may legitimately touch: the session (flash messages, login state).
ROW_COUNT_EXEMPT = {"django_session"}

# --- Garbage --------------------------------------------------------------------------------------------

LONG = "长" * 10_000
GARBAGE_SEGMENTS = [
    "0",
    "-1",
    "9" * 30,
    "1e5",
    "%00",
    "%ff%fe",
    "%2e%2e",
    "a" * 300,
    "%E4%B8%AD",
    "null",
    "1;DROP TABLE x",
    "<script>",
]
GARBAGE_VALUES = [
    "",
    "0",
    "-1",
    "1.5",
    "9" * 40,
    "NaN",
    "true",
    "null",
    "\x00",
    "a\x00b",
    LONG,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example/",
    "𝕄𝕖𝕚",
    "2026-02-30",
    "13800138000",
]
FORM_KEYS = [
    "sku_id",
    "sku_ids",
    "count",
    "selected",
    "page",
    "sort",
    "q",
    "username",
    "login",
    "password",
    "password1",
    "password2",
    "mobile",
    "phone",
    "email",
    "image_code",
    "image_code_id",
    "sms_code",
    "purpose",
    "token",
    "next",
    "address_id",
    "pay_method",
    "coupon_id",
    "points",
    "line_id",
    "score",
    "content",
    "is_anonymous",
    "title",
    "receiver",
    "province_id",
    "city_id",
    "district_id",
    "place",
    "code",
    "state",
    "ticket",
    "out_trade_no",
    "total_amount",
    "sign",
    "language",
    "remember",
    "action",
]
WRONG_TYPES = [None, True, False, 0, -1, 1.5, 10**30, "", LONG, "\x00", [], [1, "2", None], {}, {"a": {"b": []}}]
DEEP_JSON = b"[" * 3000 + b"]" * 3000
QUERY_STRINGS = [
    "page=-1&sort=__class__",
    "page=99999999999999999999999&sort=price",
    "q=" + "a" * 10_000,
    "q=%00&page=%ff",
    "next=javascript:alert(1)&next=//evil.example",
    "%zz=%zz&a[]=1&a[]=2",
    "code=x&state=" + "s" * 500,
    "id=1&id=all&childOf=-1",
    "mode=%00&q=<script>",
]


@dataclass
class Case:
    method: str
    path: str
    query: str = ""
    body: bytes | None = None
    content_type: str = ""
    identity: str = "anonymous"
    label: str = ""
    extra: dict = field(default_factory=dict)

    def describe(self) -> str:
        shown = self.path + (f"?{self.query[:60]}" if self.query else "")
        return f"{self.identity} {self.method} {shown} [{self.label}]"


# --- Paths from URL patterns ----------------------------------------------------------------------------


def _url_patterns(resolver=None, prefix: tuple = ()) -> Iterator[tuple]:
    """(chain of pattern regexes, name) for every URL pattern, following includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        chain = prefix + (entry.pattern.regex,)
        if isinstance(entry, URLResolver):
            yield from _url_patterns(entry, chain)
        else:
            yield chain, entry.name or ""


class RegexWriter:
    """Writes a string a regex matches; named groups can be given values instead (which may not match)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def write(self, regex: re.Pattern, values: dict[str, str]) -> str:
        names = {index: name for name, index in regex.groupindex.items()}
        return self._items(sre_parse.parse(regex.pattern), names, values)

    def _items(self, items, names, values) -> str:
        return "".join(self._item(op, av, names, values) for op, av in items)

    def _item(self, op, av, names, values) -> str:  # noqa: C901 (one branch per regex opcode)
        c = sre_constants
        if op is c.LITERAL:
            return chr(av)
        if op is c.NOT_LITERAL:
            return "x" if chr(av) != "x" else "y"
        if op is c.ANY:
            return "x"
        if op is c.IN:
            return self._in(av)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
            low, high, sub = av
            high = low + 2 if high == c.MAXREPEAT else high
            times = self.rng.randint(max(low, 1 if high else 0), max(low, min(high, low + 2)))
            return "".join(self._items(sub, names, values) for _ in range(times))
        if op is c.SUBPATTERN:
            group, _add, _del, sub = av
            if group in names and names[group] in values:
                return values[names[group]]
            return self._items(sub, names, values)
        if op is c.BRANCH:
            return self._items(self.rng.choice(av[1]), names, values)
        return ""  # AT (anchors), ASSERT, GROUPREF...

    def _in(self, av) -> str:
        c = sre_constants
        negate = any(op is c.NEGATE for op, _ in av)
        choices: list[str] = []
        for op, value in av:
            if op is c.LITERAL:
                choices.append(chr(value))
            elif op is c.RANGE:
                choices.append(chr(value[0]))
            elif op is c.CATEGORY:
                choices.append({c.CATEGORY_DIGIT: "7", c.CATEGORY_SPACE: " "}.get(value, "a"))
        if negate:
            return next(ch for ch in "a7_-xé" if ch not in choices)
        return self.rng.choice(choices) if choices else "a"


# --- Data the real-id paths point at ----------------------------------------------------------------------


@pytest.fixture
def world():
    """A shopper with an address, an unpaid order of one SKU, a coupon, the home page; ids by parameter name."""
    from cms.demo import ensure_demo_home_page

    ensure_wagtail_tree()
    ensure_demo_home_page()
    shopper = UserFactory(username="fuzz_shopper", mobile="13700000001", email="fuzz@example.com")
    address = AddressFactory(user=shopper)
    spu, skus = make_spu_with_specs({"颜色": ["黑", "白"]})
    sku = skus[("黑",)]
    order = order_of_one(sku, shopper, address=address, mobile="13800138000", pay_method="alipay")
    coupon = CouponFactory()
    ids = {
        "sku_id": str(sku.pk),
        "category_id": str(sku.category_id),
        "order_id": order.order_id,
        "address_id": str(address.pk),
        "coupon_id": str(coupon.pk),
        "code": "11",
        "captcha_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "username": shopper.username,
        "mobile": shopper.mobile,
        "pk": str(sku.pk),
        "object_id": str(sku.pk),
        "page_id": "2",
        "app_label": "catalog",
        "model_name": "sku",
    }
    return shopper, ids


# --- Cases ----------------------------------------------------------------------------------------------


def _form_body(rng: random.Random) -> tuple[bytes, str]:
    from urllib.parse import urlencode

    pairs = [(key, rng.choice(GARBAGE_VALUES)) for key in rng.sample(FORM_KEYS, 12)]
    pairs += [("sku_ids", "1"), ("sku_ids", "x")]
    return urlencode(pairs).encode(), "application/x-www-form-urlencoded"


def _json_bodies(rng: random.Random) -> list[tuple[str, bytes]]:
    wrong = {key: rng.choice(WRONG_TYPES) for key in rng.sample(FORM_KEYS, 15)}
    return [
        ("json wrong types", json.dumps(wrong).encode()),
        ("json deep", DEEP_JSON),
        ("json deep in a field", b'{"sku_id": ' + DEEP_JSON + b', "content": ' + DEEP_JSON + b"}"),
        ("json NUL and 10k", json.dumps({"sku_id": "\x00", "content": LONG, "count": "\x00" * 100}).encode()),
        ("invalid utf-8", b'{"sku_id": "\xff\xfe\xfd", "count": 1}'),
        ("json not an object", json.dumps([1, 2, 3]).encode()),
        ("json huge number", b'{"count": 1' + b"0" * 5000 + b"}"),
    ]


def build_cases(ids: dict[str, str], rng: random.Random) -> list[list[Case]]:
    """One list of cases per route, most important first (the runner takes them round-robin)."""
    writer = RegexWriter(rng)
    routes = []
    for chain, name in _url_patterns():
        real = "".join(writer.write(regex, ids) for regex in chain)
        garbage = [
            "".join(writer.write(regex, dict.fromkeys(regex.groupindex, segment)) for regex in chain)
            for segment in rng.sample(GARBAGE_SEGMENTS, 2)
        ]
        paths = ["/" + real] + ["/" + path for path in garbage if any(r.groupindex for r in chain)]
        is_admin = real.startswith("admin/")
        cases: list[Case] = [
            Case("GET", paths[0], identity="shopper", label=name),
            Case("POST", paths[0], identity="anonymous", label=name),
        ]
        cases += [Case("GET", path, identity="shopper", label=f"{name} garbage path") for path in paths[1:]]
        if is_admin:  # a shopper or a visitor is sent to the admin login: a few cases per admin URL suffice
            routes.append(cases)
            continue
        cases += [Case("GET", paths[0], identity="anonymous", label=name)]
        cases += [Case("POST", path, identity="anonymous", label=f"{name} garbage path") for path in paths[1:]]
        for i, (label, body) in enumerate(_json_bodies(rng)):
            identity = ("shopper", "anonymous")[i % 2]
            cases.append(
                Case(
                    "POST",
                    paths[0],
                    body=body,
                    content_type="application/json",
                    identity=identity,
                    label=f"{name} {label}",
                )
            )
        for identity in ("shopper", "anonymous"):
            body, content_type = _form_body(rng)
            cases.append(Case("POST", paths[0], body=body, content_type=content_type, identity=identity, label=name))
        for query in rng.sample(QUERY_STRINGS, 3):
            cases.append(Case("GET", paths[0], query=query, identity="shopper", label=f"{name} query"))
        cases.append(
            Case(
                "POST",
                paths[0],
                query=rng.choice(QUERY_STRINGS),
                body=b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n\x00\r\n--x--',
                content_type="multipart/form-data; boundary=x",
                identity="shopper",
                label=f"{name} broken multipart",
            )
        )
        wrong_types = _json_bodies(rng)[0][1]
        cases.append(
            Case("PUT", paths[0], body=wrong_types, content_type="application/json", identity="shopper", label=name)
        )
        for method in ("HEAD", "OPTIONS", "PATCH", "DELETE"):
            cases.append(Case(method, paths[0], identity="shopper", label=name))
        routes.append(cases)
    # A few bodies over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), not on every route (they cost time).
    big = b"a=" + b"x" * (3 * 1024 * 1024)
    for path in ("/cart/add/", "/sms_codes/", "/accounts/login/", "/payment/alipay/notify/", "/browse_histories/"):
        routes.append(
            [
                Case("POST", path, body=big, content_type="application/x-www-form-urlencoded", label="3 MB form"),
                Case("POST", path, body=b"[" + big + b"]", content_type="application/json", label="3 MB json"),
            ]
        )
    return routes


# --- Row counts -----------------------------------------------------------------------------------------


class RowCounts:
    """Row counts of every table but ROW_COUNT_EXEMPT, recounted only after a request that ran a write
    statement (most requests run none, so the check stays cheap on PostgreSQL too)."""

    WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

    def __init__(self) -> None:
        existing = set(connection.introspection.table_names())
        self.tables = sorted(
            {m._meta.db_table for m in apps.get_models() if m._meta.managed} & existing - ROW_COUNT_EXEMPT
        )
        quote = connection.ops.quote_name
        self.sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in self.tables)
        self.current = self._count()
        self.wrote = False

    def _count(self) -> tuple:
        with connection.cursor() as cursor:
            cursor.execute(self.sql)
            return cursor.fetchone()

    def watch(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(self.WRITES):
            self.wrote = True
        return execute(sql, params, many, context)

    def changed_tables(self) -> list[str]:
        """Tables whose count changed since the last call (recounted only if a write ran in between)."""
        if not self.wrote:
            return []
        self.wrote = False
        before, self.current = self.current, self._count()
        return [table for table, b, a in zip(self.tables, before, self.current, strict=True) if a != b]


# --- The run --------------------------------------------------------------------------------------------


def _send(client: Client, case: Case):
    path = case.path + (f"?{case.query}" if case.query else "")
    if case.body is None:
        return client.generic(case.method, path)
    return client.generic(case.method, path, data=case.body, content_type=case.content_type)


def test_no_request_yields_a_500_or_writes_when_refused(world):
    shopper, ids = world
    rng = random.Random(SEED)
    routes = build_cases(ids, rng)
    clients = {"anonymous": Client(raise_request_exception=False), "shopper": Client(raise_request_exception=False)}
    clients["shopper"].force_login(shopper)
    counts = RowCounts()

    failures: list[str] = []
    writes: list[str] = []
    sent = 0
    statuses: dict[int, int] = {}
    started = time.monotonic()
    deadline = started + TIME_BUDGET
    order = [case for round_ in itertools.zip_longest(*routes) for case in round_ if case is not None]
    for case in order:
        if sent >= MAX_REQUESTS or time.monotonic() > deadline:
            break
        client = clients[case.identity]
        if case.identity == "shopper" and "_auth_user_id" not in client.session:
            client.force_login(shopper)  # a fuzzed logout (or password change) ended the session
        with connection.execute_wrapper(counts.watch):
            response = _send(client, case)
        sent += 1
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        changed = counts.changed_tables()
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {case.describe()}")
        elif response.status_code >= 400 and changed:
            writes.append(f"{response.status_code} {case.describe()} changed {changed}")

    print(
        f"fuzz: {sent} requests over {len(routes)} routes ({len(order)} cases planned) "
        f"in {time.monotonic() - started:.1f} s; statuses {statuses}"
    )
    assert not failures, f"{len(failures)} responses >= 500:\n" + "\n".join(failures[:40])
    assert not writes, f"{len(writes)} refused requests wrote rows:\n" + "\n".join(writes[:40])
    assert sent >= len(routes), "the time budget must cover at least one request per route"
