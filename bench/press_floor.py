"""The flash-sale bench's floor: the same crowd against one Python process that answers without reading.

`bench/flash_sale.py` times 2,000 presses answered by one Daphne process; its p99 is mostly that process's CPU
per press, and this machine's speed moves it by 2-3× from one session's machine to the next. This bench
measures, in the same run, what the fastest possible answer costs here: one process with Daphne's event loop
and Twisted's reactor (asyncio's, with the web process's `realtime.server_tuning` send path) that writes a fixed
answer of the shop's size for every chunk it reads, parsing nothing and asking no one. What the shop's p99
exceeds this by is the lean route's own work (its parse, checks, the gate, the answer and its log line).

    .venv/bin/python bench/press_floor.py [--shoppers 2000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

#: What the lean route sends for 已抢光 (the same headers and about the same size), fixed.
BODY = '{"code": "sold_out", "message": "已抢光，下次早点来"}'.encode()
ANSWER = (
    b"HTTP/1.1 409 Conflict\r\ncontent-type: application/json\r\nx-flash-route: lean\r\n"
    b"cache-control: no-store\r\nx-content-type-options: nosniff\r\nreferrer-policy: same-origin\r\n"
    b"content-language: zh-hans\r\nvary: Cookie\r\nstrict-transport-security: max-age=31536000\r\n"
    b"server: daphne\r\ncontent-length: %d\r\n\r\n%s" % (len(BODY), BODY)
)


def serve(port: int) -> None:
    """Answer every chunk read with ANSWER until killed (the floor's server process)."""
    from twisted.internet import asyncioreactor

    asyncioreactor.install()
    from twisted.internet import protocol, reactor

    from realtime.server_tuning import direct_callbacks, write_through

    write_through()
    direct_callbacks()

    class Answer(protocol.Protocol):
        def dataReceived(self, data: bytes) -> None:  # noqa: N802 (Twisted's name)
            self.transport.write(ANSWER)

    factory = protocol.Factory()
    factory.protocol = Answer
    reactor.listenTCP(port, factory, backlog=1024, interface="127.0.0.1")
    reactor.run()


@dataclass(frozen=True)
class Floor:
    p50_ms: float
    p99_ms: float
    cpu_us: float  # the server's CPU per answer

    def line(self) -> str:
        return (
            f"the floor (one Twisted process answering each press without reading it): p50 {self.p50_ms:.1f} ms"
            f"   p99 {self.p99_ms:.1f} ms   {self.cpu_us:.0f} µs CPU per answer"
        )


def measure(presses: list[bytes]) -> Floor:
    """The crowd's presses sent at once to the floor's server, timed as bench/flash_sale.py times the shop."""
    from bench.flash_sale import pct, press_all
    from bench.harness import _free_port, _wait_for_port, process_cpu_ms

    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], cwd=BASE_DIR)
    try:
        _wait_for_port(port)
        cpu: dict[str, float] = {}
        results = press_all(
            "127.0.0.1",
            port,
            presses,
            time.time() + 10,
            len(presses),
            lambda: cpu.update(before=process_cpu_ms(server.pid)),
            lambda: cpu.update(after=process_cpu_ms(server.pid)),
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
    latencies = [(press.arrived_at - press.sent_at) * 1000 for press in results if press.status]
    if len(latencies) < len(presses):
        sys.exit(f"the floor's server left {len(presses) - len(latencies)} presses unanswered")
    cpu_us = (cpu["after"] - cpu["before"]) * 1000 / len(presses)
    return Floor(pct(latencies, 50), pct(latencies, 99), cpu_us)


def crowd(shoppers: int) -> list[bytes]:
    """Presses of the bench's size (a session, a CSRF token, a ticket), for a sale that does not exist."""
    from bench.flash_sale import build_presses

    ticket = "x" * 96  # a signed ticket's length
    return build_presses(1, [(f"{n:032x}", ticket) for n in range(shoppers)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shoppers", type=int, default=2000)
    parser.add_argument("--serve", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    print(measure(crowd(args.shoppers)).line())


if __name__ == "__main__":
    main()
