"""Static vs dynamic pages and search (SPEC B6, C1), measured in one run against one production-like shop.

Starts Daphne on production settings (DEBUG off) over a fresh SQLite demo catalog and an embedded Redis
(bench.harness), builds the static pages and the Whoosh index the way an operator would
(`manage.py build_static_pages`, `manage.py rebuild_search`), then drives on 127.0.0.1, for a bounded time:

- the home page and a SKU detail page dynamically (a query string makes StaticPageMiddleware step aside,
  so the request goes through sessions, the view, the database and the templates),
- the same two pages statically (the pre-rendered file, no database),
- the search page for a few Chinese queries.

It prints requests per second and latencies, the static/dynamic ratio (target: at least 5x) and search
queries per second.

    .venv/bin/python bench/static_pages.py [--seconds 5] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import Result, Shop, measure, production_shop  # noqa: E402

TARGET_RATIO = 5.0
SEARCH_QUERIES = ["手机", "华为手机", "笔记本电脑"]
PICK_SKU = (
    "import json; from commerce.catalog.models import SKU; "
    "sku = SKU.objects.filter(is_launched=True).order_by('id').first(); "
    "print(json.dumps({'sku': sku.id, 'skus': SKU.objects.filter(is_launched=True).count()}))"
)


def served_statically(shop: Shop, path: str) -> bool:
    """GET once (patiently: the first search of a process loads jieba's dictionary); True if from a file."""
    conn = http.client.HTTPConnection(shop.host, shop.port, timeout=60)
    conn.request("GET", path, headers={"Host": "127.0.0.1"})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"GET {path} answered {response.status}")
    return response.getheader("X-Static-Page") == "1"


def offline_secrets(folder: Path) -> dict[str, str]:
    """Production settings refuse to start without Alipay credentials; this bench never pays, so it hands
    them a throwaway RSA key pair and the real gateway address (nothing is ever sent there)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = folder / "bench-app-private.pem"
    public = folder / "bench-alipay-public.pem"
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return {
        "ALIPAY_APP_ID": "2021000000000000",
        "ALIPAY_GATEWAY": "https://openapi.alipay.com/gateway.do",
        "ALIPAY_APP_PRIVATE_KEY_FILE": str(private),
        "ALIPAY_PUBLIC_KEY_FILE": str(public),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    keys = Path(tempfile.mkdtemp(prefix="meihao-bench-keys-"))
    try:
        run(args, {k: v for k, v in offline_secrets(keys).items() if k not in os.environ})
    finally:
        shutil.rmtree(keys, ignore_errors=True)


def run(args: argparse.Namespace, extra_env: dict[str, str]) -> None:
    with production_shop(extra_env) as shop:
        picked = shop.query(PICK_SKU)
        shop.manage("build_static_pages")
        shop.manage("rebuild_search")
        detail = f"/goods/{picked['sku']}/"
        pages = {"home": "/", "detail": detail}
        for name, path in pages.items():
            if not served_statically(shop, path) or served_statically(shop, path + "?dynamic=1"):
                raise SystemExit(f"{name}: the static file is not served for {path}, or served for ?dynamic=1")

        print(
            f"Meihao Mall static vs dynamic pages: Daphne (production settings, DEBUG off), demo catalog of "
            f"{picked['skus']} SKUs, {args.concurrency} clients, {args.seconds:.0f} s per line"
        )
        results: dict[str, tuple[Result, Result]] = {}
        for name, path in pages.items():
            dynamic = measure(
                shop,
                path + "?dynamic=1",
                label=f"{name} dynamic {path}?dynamic=1",
                seconds=args.seconds,
                concurrency=args.concurrency,
            )
            print(dynamic.line(), flush=True)
            static = measure(
                shop, path, label=f"{name} static  {path}", seconds=args.seconds, concurrency=args.concurrency
            )
            print(static.line(), flush=True)
            results[name] = (dynamic, static)

        search_results = []
        for query in SEARCH_QUERIES:
            path = f"/search/?q={quote(query)}"
            served_statically(shop, path)  # warm up
            result = measure(shop, path, label=f"search q={query}", seconds=args.seconds, concurrency=args.concurrency)
            search_results.append(result)
            print(result.line(), flush=True)

        print()
        for name, (dynamic, static) in results.items():
            ratio = static.rps / dynamic.rps if dynamic.rps else float("inf")
            verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
            print(
                f"{name:<7} static/dynamic = {static.rps:8.1f} / {dynamic.rps:7.1f} req/s = {ratio:5.1f}x "
                f"({verdict} the {TARGET_RATIO:.0f}x target)"
            )
        total = sum(r.requests for r in search_results)
        seconds = sum(r.seconds for r in search_results)
        errors = sum(r.errors for r in search_results)
        print(f"search  {total / seconds:8.1f} queries/s over {len(SEARCH_QUERIES)} queries (errors={errors})")


if __name__ == "__main__":
    main()
