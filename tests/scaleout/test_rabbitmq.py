"""RabbitMQ (issue 12): BROKER_URL=amqp://… switches Dramatiq to its RabbitMQ broker. A job enqueued by one
process on production settings is done by a real worker process, delayed messages included. Skipped only
when no RabbitMQ listens on 127.0.0.1:5672 (CI has one)."""

from __future__ import annotations

import socket
import time

import pytest

from tests.factories import SKUFactory
from tests.scaleout.machines import Machine, wait_for

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"


def rabbitmq_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return True
    except OSError:
        return False


pytestmark = [pytest.mark.layout, pytest.mark.skipif(not rabbitmq_reachable(), reason="no RabbitMQ on 127.0.0.1:5672")]


@pytest.fixture
def machine(tmp_path, transactional_db):
    machine = Machine("R", tmp_path / "machine-r", BROKER_URL=AMQP_URL, SINGLE_MACHINE="true")
    yield machine
    machine.stop()


def enqueue(machine: Machine, code: str) -> str:
    script = "import dramatiq\nfrom tasks.actors.static_pages import build_sku_page_task\n" + code
    result = machine.manage("shell", "-c", script, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_broker_url_amqp_runs_jobs_and_delayed_jobs_through_rabbitmq(machine):
    now_sku, later_sku = SKUFactory(name="兔子队列即时"), SKUFactory(name="兔子队列延迟")
    kind = enqueue(machine, "broker = dramatiq.get_broker(); broker.flush_all(); print(type(broker).__name__)")
    assert kind.strip().splitlines()[-1] == "RabbitmqBroker"

    sent_at = time.time()
    enqueue(
        machine,
        f"build_sku_page_task.send({now_sku.id})\n"
        f"build_sku_page_task.send_with_options(args=({later_sku.id},), delay=3000)\n",
    )
    pages = machine.folder / "static_pages" / "zh-hans" / "goods"
    assert not (pages / f"{now_sku.id}.html").exists()  # nothing runs without a worker: the messages wait
    machine.release()
    machine.start_worker()
    now_page = wait_for(lambda: (pages / f"{now_sku.id}.html").exists() and pages / f"{now_sku.id}.html", 60)
    later_page = wait_for(lambda: (pages / f"{later_sku.id}.html").exists() and pages / f"{later_sku.id}.html", 60)
    assert "兔子队列即时" in now_page.read_text("utf-8") and "兔子队列延迟" in later_page.read_text("utf-8")
    assert later_page.stat().st_mtime >= sent_at + 3, "the delayed job ran before its delay"
