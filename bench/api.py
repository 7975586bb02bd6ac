"""API vs HTML pages benchmark (issue 16): SKU detail and add-to-cart through /api/v1/ and through the site's
own pages, in one run against one production-like shop (bench.harness: Daphne, production settings, DEBUG off,
the demo catalog, an embedded Redis).

- SKU detail: GET /api/v1/skus/<id>/ (JSON, spec map, hot sellers) vs GET /goods/<id>/?dynamic=1 (the detail
  page rendered by the view, the static pre-rendered file stepped aside).
- Add to cart, logged in: POST /api/v1/cart/ with a Bearer token vs POST /cart/add/ (JSON, session cookie and
  CSRF token), both into the same Redis cart of their user.

The API's throttles are raised for the run (API_THROTTLE_*; they still count every request in Redis) and the
per-SKU cart limit is lifted so repeated adds keep succeeding. Prints req/s, p50/p99 and the server's CPU
ms, SQL queries and Redis commands per request of each (bench.harness.measure), and API/HTML ratios.

    .venv/bin/python bench/api.py [--seconds 5] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Shop, measure, production_shop  # noqa: E402

PASSWORD = "bench-pass-123"
SETUP = (
    "import json; from django.contrib.auth import get_user_model; from commerce.catalog.models import SKU; "
    "sku = SKU.objects.filter(is_launched=True).order_by('id').first(); "
    "SKU.objects.filter(pk=sku.pk).update(stock=10**9); "
    "User = get_user_model(); "
    f"api_user = User.objects.create_user('bench_api', password='{PASSWORD}', mobile='13900000001'); "
    f"page_user = User.objects.create_user('bench_page', password='{PASSWORD}', mobile='13900000002'); "
    "from importlib import import_module; from django.conf import settings; "
    "from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY; "
    "s = import_module(settings.SESSION_ENGINE).SessionStore(); "
    "s[SESSION_KEY] = str(page_user.pk); s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'; "
    "s[HASH_SESSION_KEY] = page_user.get_session_auth_hash(); s.create(); "
    "print(json.dumps({'sku': sku.id, 'session': s.session_key}))"
)


def _call(shop: Shop, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection(shop.host, shop.port, timeout=60)
    conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
    response = conn.getresponse()
    return response, response.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    run = {"seconds": args.seconds, "concurrency": args.concurrency}
    extra = {
        "API_THROTTLE_ADDRESS": "100000000/min",
        "API_THROTTLE_USER": "100000000/min",
        "CART_MAX_COUNT_PER_SKU": str(10**9),
    }
    with production_shop(extra) as shop:
        picked = shop.query(SETUP)
        sku = picked["sku"]
        response, raw = _call(
            shop,
            "POST",
            "/api/v1/auth/login/",
            json.dumps({"login": "bench_api", "password": PASSWORD}).encode(),
            {"Content-Type": "application/json"},
        )
        if response.status != 200:
            raise SystemExit(f"API login answered {response.status}: {raw[:300]!r}")
        bearer = {"Authorization": f"Bearer {json.loads(raw)['access']}", "Content-Type": "application/json"}
        session = f"sessionid={picked['session']}"
        response, _ = _call(shop, "GET", "/cart/count/", headers={"Cookie": session})
        csrf = next(
            c.split("=", 1)[1].split(";", 1)[0]
            for c in response.msg.get_all("Set-Cookie") or []
            if c.startswith("csrftoken=")
        )
        page_headers = {
            "Cookie": f"{session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        add = json.dumps({"sku_id": sku, "count": 1}).encode()
        for label, method, path, body, headers, ok in (
            ("html add-to-cart", "POST", "/cart/add/", add, page_headers, (200,)),
            ("api add-to-cart", "POST", "/api/v1/cart/", add, bearer, (201,)),
        ):
            probe, raw = _call(shop, method, path, body, headers)
            if probe.status not in ok:
                raise SystemExit(f"{label}: {path} answered {probe.status}: {raw[:300]!r}")

        print(
            f"Meihao Mall API vs pages: Daphne (production settings, DEBUG off), demo catalog, SKU {sku}, "
            f"{args.concurrency} clients, {args.seconds:.0f} s per line"
        )
        pairs = {
            "sku detail": (
                measure(shop, f"/goods/{sku}/?dynamic=1", label=f"html GET /goods/{sku}/?dynamic=1", **run),
                measure(shop, f"/api/v1/skus/{sku}/", label=f"api  GET /api/v1/skus/{sku}/", **run),
            ),
            "add to cart": (
                measure(
                    shop,
                    "/cart/add/",
                    label="html POST /cart/add/",
                    method="POST",
                    body=add,
                    headers=page_headers,
                    **run,
                ),
                measure(
                    shop,
                    "/api/v1/cart/",
                    label="api  POST /api/v1/cart/",
                    method="POST",
                    body=add,
                    headers=bearer,
                    ok=(201,),
                    **run,
                ),
            ),
        }
        for html, api in pairs.values():
            print(html.line(), flush=True)
            print(api.line(), flush=True)
        for name, (html, api) in pairs.items():
            ratio = api.rps / html.rps if html.rps else float("nan")
            print(
                f"{name}: API/HTML throughput {ratio:.2f}x, p99 {api.percentile(99):.1f} ms vs "
                f"{html.percentile(99):.1f} ms"
            )


if __name__ == "__main__":
    main()
