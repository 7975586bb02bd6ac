"""Websocket fan-out benchmark (issue 10): N live-stock sockets on one Daphne process, then one stock change.

Starts its own redis-server and, on production settings (config.settings.production, SQLite file, DEBUG
off), one Daphne process and one Dramatiq worker (`manage.py rundramatiq`, as the Procfile runs them).
Client processes open `--clients` sockets on `/ws/stock/<id>/` spread over `--skus` SKUs (from many loopback
source addresses, `--per-address` each, so the shop's per-address cap stays on), wait for every socket's
first stock message, hold them idle for `--hold` seconds, then:

  service  one editor stock change per SKU through the real path (ORM save -> after commit -> coalesced
           Dramatiq message -> worker -> channel layer -> every socket), timed from just before the commit
  direct   realtime.publish.publish_stock from this process (the worker's last step alone), `--rounds` times

and prints connected, failed (refused handshakes, sockets without a first message, sockets closed during
the hold or the rounds), connect time, fan-out p50/p99/max per phase, and Daphne's RSS per idle socket.
The file-descriptor limit is raised to the hard limit for this process and everything it starts.

    .venv/bin/python bench/websockets.py                      # 1,000 sockets, one SKU
    .venv/bin/python bench/websockets.py --clients 5000
    .venv/bin/python bench/websockets.py --clients 5000 --skus 100
    .venv/bin/python bench/websockets.py --layer core-probe   # channels-redis RedisChannelLayer, limits raised
    .venv/bin/python bench/websockets.py --layer pubsub       # channels-redis RedisPubSubChannelLayer

`--layer`: fanout (the shop's realtime.layers.RedisFanoutChannelLayer, default), core (channels-redis
RedisChannelLayer as configured before issue 10), core-probe (the same with a 10,000-connection pool and
a 30 s read timeout), pubsub (channels-redis RedisPubSubChannelLayer).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.harness import _wait_for_port, offline_alipay_env, process_cpu_ms  # noqa: E402
from config.embedded_redis import EmbeddedRedis, _free_port  # noqa: E402

LAYERS = {
    "fanout": None,  # the shop's settings as they are
    "core": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": ["{url}"], "prefix": "mh:asgi"}},
    "core-probe": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [{"address": "{url}", "max_connections": 10000, "socket_timeout": 30}],
            "prefix": "mh:asgi",
        },
    },
    "pubsub": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": ["{url}"], "prefix": "mh:asgi"},
    },
}


def raise_fd_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def source_address(index: int, per_address: int) -> str:
    n = index // per_address
    return f"127.0.{1 + n // 250}.{2 + n % 250}"


# --- client processes -------------------------------------------------------------------------------------


@dataclass
class Plan:
    url: str
    sockets: list[tuple[str, str, int]]  # (path, source address, sku_id)
    concurrency: int


@dataclass
class Opened:
    connected: int = 0
    failed: dict[str, int] = field(default_factory=dict)
    connect_ms: list[float] = field(default_factory=list)


def client_process(conn, plan: Plan) -> None:
    """Runs in a forked child: opens its share of the sockets, then answers the parent's commands."""
    asyncio.run(_client_main(conn, plan))


async def _client_main(conn, plan: Plan) -> None:
    from realtime.testing import HandshakeError, WsClient

    raise_fd_limit()
    gate = asyncio.Semaphore(plan.concurrency)
    opened = Opened()
    clients: list[tuple[WsClient, int]] = []

    def fail(reason: str) -> None:
        opened.failed[reason] = opened.failed.get(reason, 0) + 1

    async def one(path: str, source: str, sku_id: int) -> None:
        async with gate:
            started = time.perf_counter()
            try:
                ws = await WsClient.open(plan.url, path, local_host=source, timeout=60)
            except HandshakeError as exc:
                return fail(f"handshake {exc.status}")
            except (OSError, TimeoutError) as exc:
                return fail(type(exc).__name__)
        try:
            first = await ws.recv(timeout=60)
        except (TimeoutError, ConnectionError):
            ws.abort()
            return fail(f"no first message (closed {ws.close_code})")
        if not isinstance(first, dict) or first.get("type") != "stock":
            ws.abort()
            return fail(f"refused {first.get('code') if isinstance(first, dict) else first}")
        opened.connect_ms.append((time.perf_counter() - started) * 1000)
        opened.connected += 1
        clients.append((ws, sku_id))

    await asyncio.gather(*(one(*spec) for spec in plan.sockets))
    conn.send(opened)
    loop = asyncio.get_running_loop()
    while True:
        command, arg = await loop.run_in_executor(None, conn.recv)
        if command == "expect":  # {sku_id: stock}: when each socket received that value (stamped on arrival)
            arrivals: list[float | None] = [None] * len(clients)
            pending = set(range(len(clients)))
            deadline = time.monotonic() + 60
            while pending and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
                for index in list(pending):
                    ws, sku_id = clients[index]
                    while not ws.messages.empty():
                        at, message = ws.messages.get_nowait()
                        if isinstance(message, dict) and message.get("stock") == arg[sku_id]:
                            arrivals[index] = at
                            pending.discard(index)
                            break
            conn.send(arrivals)
        elif command == "closed":
            conn.send(sum(ws.closed.is_set() for ws, _ in clients))
        elif command == "close":
            await asyncio.gather(*(ws.close() for ws, _ in clients), return_exceptions=True)
            conn.send("bye")
            return


# --- the shop ----------------------------------------------------------------------------------------------


@dataclass
class Shop:
    url: str
    env: dict
    daphne: subprocess.Popen
    worker: subprocess.Popen


@contextlib.contextmanager
def shop(layer: str, worker_timeout: int | None = None):
    workdir = Path(tempfile.mkdtemp(prefix="meihao-ws-bench-"))
    redis = EmbeddedRedis().start()
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": redis.url,
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "STATIC_PAGES_ROOT": str(workdir / "static_pages"),
        "WHOOSH_INDEX_PATH": str(workdir / "whoosh"),
        "LOG_LEVEL": "WARNING",
        "SINGLE_MACHINE": "true",  # Whoosh and local folders: web and worker share this disk
        **offline_alipay_env(workdir),
    }
    if LAYERS[layer] is not None:
        module = workdir / "ws_bench_settings.py"
        config = repr(LAYERS[layer]).replace("{url}", redis.url)
        module.write_text(
            f"from config.settings.production import *  # noqa\nCHANNEL_LAYERS = {{'default': {config}}}\n"
        )
        env["DJANGO_SETTINGS_MODULE"] = "ws_bench_settings"
        env["PYTHONPATH"] = os.pathsep.join([str(workdir), str(BASE_DIR)])
    worker_env = dict(env)
    if worker_timeout is not None:  # Dramatiq's idle poll backoff (default 1,000 ms)
        worker_env["dramatiq_worker_timeout"] = str(worker_timeout)
    daphne = worker = None
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
        )
        profile = os.environ.get("BENCH_PROFILE_DAPHNE")  # a path: Daphne runs under cProfile, stopped by SIGINT
        wrap = ["-m", "cProfile", "-o", profile] if profile else []
        daphne = subprocess.Popen(
            [sys.executable, *wrap, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "config.asgi:application"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / "daphne.log", "w"),  # noqa: SIM115 - closed with the process
        )
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "2"],
            cwd=BASE_DIR,
            env=worker_env,
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / "worker.log", "w"),  # noqa: SIM115
        )
        _wait_for_port(port)
        yield Shop(f"http://127.0.0.1:{port}", env, daphne, worker)
    finally:
        for process in (worker, daphne):
            if process is not None:
                process.send_signal(signal.SIGINT) if process is daphne else process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
        errors = (workdir / "daphne.log").read_text(errors="replace") if (workdir / "daphne.log").exists() else ""
        lines = [line for line in errors.splitlines() if "ERROR" in line or "Error" in line]
        if lines:
            print(f"daphne logged {len(lines)} error lines, e.g. {lines[0][:200]}")
            if os.environ.get("BENCH_SHOW_LOG"):
                print(errors[-4000:])
        redis.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def setup_django(env: dict) -> None:
    os.environ.update(env)
    if env.get("PYTHONPATH"):
        sys.path[:0] = env["PYTHONPATH"].split(os.pathsep)
    import django

    django.setup()


def make_skus(count: int) -> list[int]:
    from tests.factories import SKUFactory

    return [SKUFactory(stock=1000, name=f"直播 {i}").pk for i in range(count)]


def change_stock(stocks: dict[int, int]) -> None:
    """An editor's stock edits in one transaction: each ORM save announces its SKU after commit."""
    from django.db import transaction

    from commerce.catalog.models import SKU

    with transaction.atomic():
        for sku in SKU.objects.select_for_update().filter(pk__in=stocks).order_by("pk"):
            sku.stock = stocks[sku.pk]
            sku.save(update_fields=["stock"])


async def warm_up(url: str, sku_id: int) -> None:
    """One socket and one change through the worker: Daphne, the layer and the worker are all running."""
    from realtime.testing import WsClient

    deadline = time.monotonic() + 60
    while True:
        try:
            ws = await WsClient.open(url, f"/ws/stock/{sku_id}/")
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)
    await ws.recv(timeout=30)
    await asyncio.to_thread(change_stock, {sku_id: 999})
    await ws.recv_until(lambda m: m.get("stock") == 999, timeout=60)
    await ws.close()


# --- the layers alone ------------------------------------------------------------------------------------


def layer_only(clients: int, rounds: int) -> None:
    """Each layer in one event loop, no Daphne: `clients` channels join one group, then `rounds` group_sends
    from a sync publisher (as the worker sends). Prints join time, fan-out time until every channel has the
    message, and the Redis commands one group_send costs (INFO stats)."""
    from asgiref.sync import async_to_sync
    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubChannelLayer

    from realtime.layers import RedisFanoutChannelLayer

    redis_server = EmbeddedRedis().start()
    url = redis_server.url
    try:
        import redis as redis_py

        stats = redis_py.Redis.from_url(url)
        makers = {
            "core-probe": lambda: RedisChannelLayer(
                hosts=[{"address": url, "max_connections": 10000, "socket_timeout": 30}]
            ),
            "pubsub": lambda: RedisPubSubChannelLayer(hosts=[url]),
            "fanout": lambda: RedisFanoutChannelLayer(hosts=[url]),
        }
        for name, make in makers.items():
            layer = make()

            async def run(layer=layer, name=name) -> None:
                channels = [await layer.new_channel() for _ in range(clients)]
                started = time.perf_counter()
                for channel in channels:  # one by one: 1,000 at once exhaust channels-redis's connect timeouts
                    await layer.group_add("stock.1", channel)
                joined = time.perf_counter() - started
                send = getattr(layer, "group_send_sync", None) or async_to_sync(layer.group_send)
                for n in range(rounds):
                    before = stats.info("stats")["total_commands_processed"]
                    started = time.perf_counter()
                    await asyncio.to_thread(send, "stock.1", {"type": "stock.update", "stock": n})
                    await asyncio.gather(*(layer.receive(c) for c in channels))
                    took = (time.perf_counter() - started) * 1000
                    commands = stats.info("stats")["total_commands_processed"] - before - 1
                    print(
                        f"{name:<11} {clients} members: join {joined:5.2f} s   group_send -> all received "
                        f"{took:7.1f} ms   Redis commands {commands}"
                    )
                await layer.flush()

            asyncio.run(run())
            stats.flushall()
    finally:
        redis_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--skus", type=int, default=1)
    parser.add_argument("--procs", type=int, default=2, help="client processes")
    parser.add_argument("--per-address", type=int, default=100, help="sockets per loopback source address")
    parser.add_argument("--concurrency", type=int, default=250, help="handshakes in flight per client process")
    parser.add_argument("--hold", type=float, default=10.0, help="idle seconds before the changes")
    parser.add_argument("--rounds", type=int, default=3, help="direct publish rounds")
    parser.add_argument("--layer", choices=sorted(LAYERS), default="fanout")
    parser.add_argument(
        "--priority",
        type=int,
        default=0,
        help="nice value for the bench and all it starts (e.g. -10 on a shared machine: the shop gets the CPU "
        "it would have on its own server; needs root)",
    )
    parser.add_argument("--layer-only", action="store_true", help="compare the layers without Daphne and exit")
    parser.add_argument(
        "--worker-timeout", type=int, help="ms; Dramatiq's idle poll backoff cap (default: the settings', 100)"
    )
    args = parser.parse_args()

    nofile = raise_fd_limit()
    if args.priority:
        os.setpriority(os.PRIO_PROCESS, 0, args.priority)  # inherited by Redis, Daphne, the worker, the clients
    if args.layer_only:
        layer_only(args.clients, args.rounds)
        return
    print(
        f"clients={args.clients} skus={args.skus} layer={args.layer} client-procs={args.procs} nofile={nofile} "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs, nice {os.getpriority(os.PRIO_PROCESS, 0)}"
    )
    with shop(args.layer, args.worker_timeout) as running:
        setup_django(running.env)
        from django.db import connections

        from realtime.publish import publish_stock

        sku_ids = make_skus(args.skus + 1)
        warm_sku, sku_ids = sku_ids[0], sku_ids[1:]
        try:
            asyncio.run(warm_up(running.url, warm_sku))
        except (ConnectionError, TimeoutError) as exc:
            print(f"warm-up failed: one idle socket did not see one change ({exc}); nothing else measured")
            return
        rss_before = rss_kb(running.daphne.pid)
        connections.close_all()

        specs = [
            (f"/ws/stock/{sku_ids[i % len(sku_ids)]}/", source_address(i, args.per_address), sku_ids[i % len(sku_ids)])
            for i in range(args.clients)
        ]
        pipes, procs = [], []
        ctx = multiprocessing.get_context("fork")
        started = time.perf_counter()
        for n in range(args.procs):
            parent, child = ctx.Pipe()
            plan = Plan(running.url, specs[n :: args.procs], args.concurrency)
            proc = ctx.Process(target=client_process, args=(child, plan), daemon=True)
            proc.start()
            pipes.append(parent)
            procs.append(proc)
        opened = [pipe.recv() for pipe in pipes]
        connect_seconds = time.perf_counter() - started
        connected = sum(o.connected for o in opened)
        failed: dict[str, int] = {}
        for o in opened:
            for reason, count in o.failed.items():
                failed[reason] = failed.get(reason, 0) + count
        connect_ms = [ms for o in opened for ms in o.connect_ms]
        print(
            f"connected {connected}   failed {sum(failed.values())} {failed or ''}   "
            f"connect time {connect_seconds:.1f} s "
            f"(per socket p50 {pct(connect_ms, 50):.0f} ms, p99 {pct(connect_ms, 99):.0f} ms)"
        )

        time.sleep(args.hold)
        for pipe in pipes:
            pipe.send(("closed", None))
        closed_idle = sum(pipe.recv() for pipe in pipes)
        rss_after = rss_kb(running.daphne.pid)
        per_socket = (rss_after - rss_before) / max(connected, 1)
        print(
            f"idle {args.hold:.0f} s: closed {closed_idle}   Daphne RSS {rss_before / 1024:.0f} MB -> "
            f"{rss_after / 1024:.0f} MB = {per_socket:.1f} KB per socket"
        )

        def round_trip(label: str, stocks: dict[int, int], act) -> None:
            for pipe in pipes:
                pipe.send(("expect", stocks))
            time.sleep(0.2)  # the children are waiting
            cpu0 = process_cpu_ms(running.daphne.pid)
            t0 = time.time()
            act()
            arrivals = [t for pipe in pipes for t in pipe.recv()]
            cpu = process_cpu_ms(running.daphne.pid) - cpu0
            got = [(t - t0) * 1000 for t in arrivals if t is not None]
            missing = len(arrivals) - len(got)
            print(
                f"{label:<20} received {len(got)}/{len(arrivals)}   fan-out p50 {pct(got, 50):7.1f} ms   "
                f"p99 {pct(got, 99):7.1f} ms   max {max(got, default=float('nan')):7.1f} ms   "
                f"Daphne CPU {cpu:5.0f} ms ({cpu * 1000 / max(len(got), 1):.0f} us/socket)"
                + (f"   MISSING {missing}" if missing else "")
            )

        value = 500
        round_trip(
            "service (worker)", {sku: value for sku in sku_ids}, lambda: change_stock(dict.fromkeys(sku_ids, value))
        )
        for n in range(args.rounds):
            value += 1
            stocks = dict.fromkeys(sku_ids, value)

            def publish_all(stocks: dict[int, int] = stocks) -> None:
                for sku, stock in stocks.items():
                    publish_stock(sku, stock)

            round_trip(f"direct publish #{n + 1}", stocks, publish_all)

        for pipe in pipes:
            pipe.send(("closed", None))
        print(f"closed by the server during the run: {sum(pipe.recv() for pipe in pipes)}")
        print(f"Daphne RSS at the end: {rss_kb(running.daphne.pid) / 1024:.0f} MB")
        for pipe in pipes:
            pipe.send(("close", None))
            with contextlib.suppress(EOFError):
                pipe.recv()
        for proc in procs:
            proc.join(10)


if __name__ == "__main__":
    main()
