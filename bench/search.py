"""Search benchmark (SPEC C1, issue 14): rebuild time and memory at catalog scale, and query latency.

In a throw-away database (PostgreSQL when one answers, else SQLite; `--sqlite` forces it) with its own embedded
Redis and Whoosh folder, it generates N launched SKUs (default 10,000: four per SPU, Chinese names, captions,
brands and a few hundred characters of detail text, spread over 3-level categories), then:

1. runs `manage.py rebuild_search` as an operator would, its progress bar shown as it draws, and prints the
   wall time and the command's peak memory (max RSS of that process, from wait4);
2. for each of 5 Chinese queries, calls the search service the page uses (`search_skus`: the index query and
   loading the page's SKUs) `--rounds` times in this process and prints p50/p99 in milliseconds, and how many
   Whoosh searches one page cost.

Production settings (bench.settings). Targets (issue 14): rebuild of 10,000 SKUs <= 20 s and <= 200 MB;
p99 <= 60 ms; one search per page. Latencies move with the machine's load (it is shared); run it twice.

    .venv/bin/python bench/search.py [--skus 10000] [--rounds 200] [--postgres URL | --sqlite]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (  # noqa: E402
    BASE_DIR,
    DEFAULT_POSTGRES,
    bench_environment,
    postgres_reachable,
    throwaway_postgres,
)
from config.embedded_redis import EmbeddedRedis  # noqa: E402

QUERIES = ["手机", "华为手机", "笔记本电脑", "蓝牙耳机", "智能电视"]
TARGET_REBUILD_SECONDS = 20.0
TARGET_REBUILD_MB = 200.0
TARGET_P99_MS = 60.0
SKUS_PER_SPU = 4

BRANDS = "华为 小米 苹果 联想 海尔 美的 格力 索尼 三星 戴尔 荣耀 OPPO vivo 飞利浦".split()
# first level -> second level -> third level: (product word, spec words)
TREE = {
    "手机数码": {
        "手机通讯": {"手机": ["8GB+128GB", "12GB+256GB", "16GB+512GB"], "老人机": ["标准版", "大字版"]},
        "数码配件": {"蓝牙耳机": ["降噪版", "运动版"], "充电宝": ["10000毫安", "20000毫安"]},
    },
    "电脑办公": {
        "电脑整机": {"笔记本电脑": ["i5 16GB", "i7 32GB"], "台式机": ["商务版", "游戏版"]},
        "外设产品": {"机械键盘": ["青轴", "红轴"], "无线鼠标": ["静音版", "游戏版"]},
    },
    "家用电器": {
        "大家电": {"智能电视": ["55英寸", "65英寸", "75英寸"], "冰箱": ["对开门", "十字门"]},
        "生活电器": {"空气净化器": ["标准版", "除甲醛版"], "扫地机器人": ["扫拖一体", "自动集尘"]},
    },
}
COLOURS = ["黑色", "白色", "蓝色", "金色", "银色", "绿色", "紫色", "灰色"]
SELLING_POINTS = [
    "高清大屏，色彩细腻，观感出众",
    "超长续航，一天一充，出门无忧",
    "旗舰芯片，运行流畅，多任务不卡顿",
    "轻薄机身，握感舒适，随身携带更方便",
    "智能降噪，通话清晰，沉浸式聆听体验",
    "快速充电，十分钟充电半小时使用",
    "全国联保，七天无理由退货，正品保障",
    "节能省电，静音运行，守护家人健康",
    "支持语音控制，智能家居一键互联",
    "精选材质，做工精细，经久耐用",
]


def generate_catalog(count: int, seed: int = 14) -> int:
    """Create `count` launched SKUs (SKUS_PER_SPU per SPU) with bulk inserts; returns how many exist."""
    from decimal import Decimal

    from commerce.catalog.models import SKU, SPU, Brand, GoodsCategory

    rng = random.Random(seed)
    brands = Brand.objects.bulk_create(
        [Brand(name=name, first_letter=(name[0] if name.isascii() else "Z").upper()) for name in BRANDS]
    )
    leaves = []  # (cat1, cat2, cat3, product word, spec words)
    for name1, level2 in TREE.items():
        cat1 = GoodsCategory.objects.create(name=name1)
        for name2, level3 in level2.items():
            cat2 = GoodsCategory.objects.create(name=name2, parent=cat1)
            for name3, specs in level3.items():
                cat3 = GoodsCategory.objects.create(name=name3, parent=cat2)
                leaves.append((cat1, cat2, cat3, name3, specs))
    spus, plans = [], []
    for n in range((count + SKUS_PER_SPU - 1) // SKUS_PER_SPU):
        cat1, cat2, cat3, product, specs = leaves[n % len(leaves)]
        brand = brands[rng.randrange(len(brands))]
        model = f"{brand.name}{product} {rng.choice('XYZPMS')}{rng.randint(1, 90)}"
        points = rng.sample(SELLING_POINTS, 5)
        detail = "".join(f"<p>{model}：{point}。</p>" for point in points) * 2
        spus.append(
            SPU(
                name=model[:50],
                brand=brand,
                category1=cat1,
                category2=cat2,
                category3=cat3,
                desc_detail=detail,
                desc_pack=f"<p>{product} x1，说明书 x1，保修卡 x1</p>",
                desc_service="<p>全国联保，七天无理由退货。</p>",
            )
        )
        plans.append((cat3, specs))
    spus = SPU.objects.bulk_create(spus, batch_size=1000)
    skus = []
    for spu, (cat3, specs) in zip(spus, plans, strict=True):
        for i in range(SKUS_PER_SPU):
            if len(skus) >= count:
                break
            price = Decimal(rng.randrange(99, 19999))
            skus.append(
                SKU(
                    name=f"{spu.name} {COLOURS[i % len(COLOURS)]} {specs[i % len(specs)]}"[:50],
                    caption=rng.choice(SELLING_POINTS)[:100],
                    spu=spu,
                    category=cat3,
                    price=price,
                    cost_price=price * Decimal("0.7"),
                    market_price=price * Decimal("1.2"),
                    stock=rng.randrange(0, 500),
                    sales=rng.randrange(0, 10000),
                    is_launched=True,
                )
            )
    SKU.objects.bulk_create(skus, batch_size=1000)
    return SKU.objects.filter(is_launched=True).count()


def rebuild(env: dict) -> tuple[float, float, float]:
    """Run `manage.py rebuild_search` with its output on this terminal; (wall seconds, CPU seconds of the
    command, its peak RSS in MB). CPU seconds hold on a shared machine; wall seconds do not."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "manage.py", "rebuild_search"], cwd=BASE_DIR, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    print(flush=True)
    if process.returncode:
        raise SystemExit(f"rebuild_search failed with exit code {process.returncode}")
    return seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def time_queries(rounds: int) -> list[tuple[str, float, float, float, int, float]]:
    """(query, p50 ms, p99 ms, mean CPU ms, hits, Whoosh searches per page) for each query, calling search_skus
    in-process. Latencies are wall time (they grow with the machine's load); CPU ms is this process's own."""
    from whoosh.searching import Searcher

    from commerce.catalog.search_service import search_skus

    searches = 0
    original_search = Searcher.search

    def counting_search(self, *args, **kwargs):
        nonlocal searches
        searches += 1
        return original_search(self, *args, **kwargs)

    Searcher.search = counting_search  # search_page() goes through search(): one count per Whoosh search
    figures = []
    try:
        for query in QUERIES:
            hits = search_skus(query=query).total  # warm up (first query loads jieba's dictionary)
            searches = 0
            timings = []
            cpu_started = time.process_time()
            for _ in range(rounds):
                started = time.perf_counter()
                search_skus(query=query, page=1)
                timings.append((time.perf_counter() - started) * 1000)
            cpu_ms = (time.process_time() - cpu_started) * 1000 / rounds
            timings.sort()
            p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
            figures.append((query, statistics.median(timings), p99, cpu_ms, hits, searches / rounds))
    finally:
        Searcher.search = original_search
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="PostgreSQL server for a throw-away database")
    parser.add_argument("--sqlite", action="store_true", help="use a SQLite file instead of PostgreSQL")
    args = parser.parse_args()
    postgres = None if args.sqlite or not postgres_reachable(args.postgres) else args.postgres

    with contextlib.ExitStack() as stack:
        workdir = Path(tempfile.mkdtemp(prefix="meihao-search-bench-"))
        stack.callback(shutil.rmtree, workdir, ignore_errors=True)
        redis = EmbeddedRedis().start()
        stack.callback(redis.stop)
        database_url = (
            stack.enter_context(throwaway_postgres(postgres)) if postgres else f"sqlite:///{workdir / 'search.sqlite3'}"
        )
        env = bench_environment(workdir, redis.url, database_url)
        migrate = [sys.executable, "manage.py", "migrate", "--noinput"]
        subprocess.run(migrate, cwd=BASE_DIR, env=env, check=True, capture_output=True)
        os.environ.update(env)
        import django

        django.setup()
        started = time.perf_counter()
        skus = generate_catalog(args.skus)
        print(
            f"Meihao Mall search: production settings, Whoosh + jieba, {'PostgreSQL' if postgres else 'SQLite'}, "
            f"{skus} launched SKUs generated in {time.perf_counter() - started:.1f} s"
        )
        print("$ manage.py rebuild_search", flush=True)
        seconds, cpu_seconds, megabytes = rebuild(env)
        print(
            f"rebuild_search: {skus} SKUs in {seconds:.1f} s wall (target <= {TARGET_REBUILD_SECONDS:.0f} s: "
            f"{'meets' if seconds <= TARGET_REBUILD_SECONDS else 'MISSES'}), {cpu_seconds:.1f} s CPU "
            f"({'under' if cpu_seconds <= TARGET_REBUILD_SECONDS else 'OVER'} the target: the wall time on an idle "
            f"machine), peak memory {megabytes:.0f} MB "
            f"(target <= {TARGET_REBUILD_MB:.0f} MB: {'meets' if megabytes <= TARGET_REBUILD_MB else 'MISSES'})"
        )
        print(f"\nsearch_skus (index query + the page's SKUs), {args.rounds} rounds per query, in-process:")
        worst = 0.0
        for query, p50, p99, cpu_ms, hits, per_page in time_queries(args.rounds):
            worst = max(worst, p99)
            print(
                f"  {query:<8} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  cpu {cpu_ms:5.1f} ms  hits {hits:5d}  "
                f"Whoosh searches per page {per_page:.1f}"
            )
        print(
            f"worst p99 {worst:.1f} ms (target <= {TARGET_P99_MS:.0f} ms: "
            f"{'meets' if worst <= TARGET_P99_MS else 'MISSES'})"
        )
        from django.db import connections

        connections.close_all()  # the throw-away database is dropped next


if __name__ == "__main__":
    main()
