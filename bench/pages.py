"""Page benchmark: starts the web process as production would (Daphne, production settings, DEBUG off,
demo catalog) and prints requests per second and p50/p99 latency for the home, list and detail pages.

    .venv/bin/python bench/pages.py [--seconds 5] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import measure, production_shop  # noqa: E402

PICK_PAGES = (
    "import json; from commerce.catalog.models import SKU; "
    "sku = SKU.objects.filter(is_launched=True).order_by('id').first(); "
    "print(json.dumps({'sku': sku.id, 'category': sku.category_id}))"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with production_shop() as shop:
        ids = shop.query(PICK_PAGES)
        pages = {
            "home /": "/",
            f"list /list/{ids['category']}/": f"/list/{ids['category']}/",
            f"detail /goods/{ids['sku']}/": f"/goods/{ids['sku']}/",
        }
        print(f"Meihao Mall pages: Daphne (production settings), {args.concurrency} clients, {args.seconds:.0f} s each")
        for label, path in pages.items():
            print(measure(shop, path, label=label, seconds=args.seconds, concurrency=args.concurrency).line(), flush=True)


if __name__ == "__main__":
    main()
