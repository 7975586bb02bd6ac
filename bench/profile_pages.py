"""Profile the dynamic pages in-process (production settings, the demo catalog), for finding where CPU goes.

Sets up the same throw-away shop as bench/pages.py (PostgreSQL or SQLite, embedded Redis, demo catalog) but
instead of driving Daphne it runs the requests through Django's test client in one process under cProfile and
prints, per page, the process CPU milliseconds per request (resource.getrusage) and the top functions.

    .venv/bin/python bench/profile_pages.py [--requests 300] [--top 30] [--sort tottime|cumulative]
                                            [--postgres URL | --sqlite] [--page detail|home|list]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import DEFAULT_POSTGRES, postgres_reachable, production_shop  # noqa: E402

PICK = (
    "import json; from commerce.catalog.models import SKU; "
    "sku = SKU.objects.filter(is_launched=True).order_by('id').first(); "
    "print(json.dumps({'sku': sku.id, 'category': sku.category_id}))"
)


def inner(args: argparse.Namespace) -> None:
    import cProfile
    import pstats
    import resource
    import time

    import django

    django.setup()
    from django.test import Client

    picked = json.loads(os.environ["BENCH_PICKED"])
    paths = {
        "detail": f"/goods/{picked['sku']}/?dynamic=1",
        "home": "/?dynamic=1",
        "list": f"/list/{picked['category']}/",
    }
    client = Client(HTTP_HOST="127.0.0.1")
    for name in args.page or list(paths):
        path = paths[name]
        for _ in range(30):
            assert client.get(path).status_code == 200
        usage = resource.getrusage(resource.RUSAGE_SELF)
        before = usage.ru_utime + usage.ru_stime
        for _ in range(args.requests):
            client.get(path)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu_ms = (usage.ru_utime + usage.ru_stime - before) * 1000 / args.requests
        print(f"\n=== {name} {path}: {cpu_ms:.2f} ms CPU per request in-process (no profiler)", flush=True)
        profiler = cProfile.Profile(time.process_time)  # CPU time: waiting for the database is not work
        profiler.enable()
        for _ in range(args.requests):
            client.get(path)
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats(args.sort).print_stats(args.top)
        if args.callers:
            stats.print_callers(args.callers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--callers", default="")
    parser.add_argument("--page", action="append", choices=["detail", "home", "list"])
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(args)
        return
    postgres = None if args.sqlite or not postgres_reachable(args.postgres) else args.postgres
    with production_shop(postgres=postgres) as shop:
        picked = shop.query(PICK)
        argv = [sys.executable, __file__, "--inner", "--requests", str(args.requests), "--top", str(args.top)]
        argv += ["--sort", args.sort, "--callers", args.callers]
        for page in args.page or []:
            argv += ["--page", page]
        subprocess.run(argv, env={**shop.env, "BENCH_PICKED": json.dumps(picked)}, check=True)


if __name__ == "__main__":
    main()
