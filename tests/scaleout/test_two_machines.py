"""Two machines, one test (issue 12): machines A and B, each with its own local folders and its own web,
worker and scheduler processes on production settings, share the test database, Redis through Sentinel,
RabbitMQ, the S3 server (moto) and Elasticsearch (the ES 7 stand-in).

- a product page and its image are byte for byte the same from both web processes;
- a stock change made on A reaches a websocket held open on B;
- jobs enqueued on A are done by B's worker, and SIGKILLing A's worker in the middle loses none of them.
"""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess

import pytest
import websocket
from django.core.files.images import ImageFile
from PIL import Image as PILImage

from tests.factories import SKUFactory, ensure_wagtail_tree
from tests.scaleout.conftest import BUCKET, CREDENTIALS
from tests.scaleout.es7_standin import ES7StandIn
from tests.scaleout.machines import MASTER_NAME, Machine, SentinelCluster, wait_for
from tests.scaleout.test_rabbitmq import AMQP_URL, rabbitmq_reachable

pytestmark = [pytest.mark.layout, pytest.mark.skipif(not rabbitmq_reachable(), reason="no RabbitMQ on 127.0.0.1:5672")]
JOBS = 8


@pytest.fixture
def fleet(tmp_path, s3_server, bucket_storages, transactional_db):
    endpoint, _client = s3_server
    cluster = SentinelCluster(tmp_path / "redis").start()
    search = ES7StandIn().start()
    shared = {
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": endpoint,
        **CREDENTIALS,
        "REDIS_SENTINELS": f"127.0.0.1:{cluster.sentinel_port}",
        "REDIS_SENTINEL_MASTER": MASTER_NAME,
        "REDIS_URL": "redis://host-ignored-with-sentinels/0",
        "BROKER_URL": AMQP_URL,
        "SEARCH_URL": search.url,
    }
    machines = [Machine(name, tmp_path / f"machine-{name.lower()}", **shared) for name in ("A", "B")]
    try:
        yield machines
    finally:
        for machine in machines:
            machine.stop()
        search.stop()
        cluster.stop()


def shell(machine: Machine, code: str) -> str:
    result = machine.manage("shell", "-c", code, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def png(colour) -> ImageFile:
    buffer = io.BytesIO()
    PILImage.new("RGB", (320, 240), colour).save(buffer, "PNG")
    return ImageFile(buffer, name="fleet.png")


def page_key(sku_id: int) -> str:
    return f"static-pages/zh-hans/goods/{sku_id}.html"


def in_bucket(s3, key: str) -> bool:
    return "Contents" in s3.list_objects_v2(Bucket=BUCKET, Prefix=key)


def test_two_machines_share_pages_images_stock_events_and_jobs(fleet, s3_server):
    from wagtail.images import get_image_model

    _endpoint, s3 = s3_server
    a, b = fleet
    ensure_wagtail_tree()
    image = get_image_model().objects.create(title="双机主图", file=png((10, 120, 200)))  # into the bucket
    sku = SKUFactory(name="双机同款手机", default_image=image, stock=50)
    batch = [SKUFactory(name=f"批量页面 {n}") for n in range(JOBS)]
    late = SKUFactory(name="A 的工人倒下之后")

    shell(a, "import dramatiq; dramatiq.get_broker().flush_all()")
    for machine in fleet:
        machine.release()
        machine.start_web()
        machine.start_worker()
        machine.start_scheduler()
    for machine in fleet:
        wait_for(lambda m=machine: m.get("/readyz").status_code == 200, 60, what=f"{machine.name} ready")

    # A product page built by a job enqueued on A, and its image: identical from both web processes.
    shell(a, f"from tasks.actors.static_pages import build_sku_page_task; build_sku_page_task.send({sku.pk})")
    wait_for(lambda: in_bucket(s3, page_key(sku.pk)), 60, what="page in the bucket")
    pages = [m.get(f"/goods/{sku.pk}/", headers={"Accept-Language": "zh-hans"}) for m in fleet]
    assert all(p.status_code == 200 and p.headers.get("X-Static-Page") == "1" for p in pages)
    assert pages[0].content == pages[1].content and "双机同款手机" in pages[0].text
    image_url = re.search(r'src="(/media/images/[^"]+)"', pages[0].text)[1]
    images = [m.get(image_url) for m in fleet]
    assert images[0].status_code == images[1].status_code == 200
    assert images[0].content == images[1].content and images[0].headers["Content-Type"] == "image/png"

    # A stock change made on A reaches a socket open on B.
    socket_b = websocket.create_connection(
        f"ws://127.0.0.1:{b.port}/ws/stock/{sku.pk}/", origin=f"http://127.0.0.1:{b.port}", timeout=30
    )
    try:
        assert json.loads(socket_b.recv())["stock"] == 50
        # Held idle past channels-redis's 5 s receive cycle (and redis-py's 5 s read timeout): still open.
        socket_b.settimeout(8)
        with pytest.raises(websocket.WebSocketTimeoutException):
            socket_b.recv()
        socket_b.settimeout(30)
        shell(
            a,
            "from commerce.catalog.models import SKU; from commerce.catalog.stock import announce_stock\n"
            f"SKU.objects.filter(pk={sku.pk}).update(stock=37); announce_stock([{sku.pk}])",
        )
        assert json.loads(socket_b.recv()) == {"type": "stock", "sku_id": sku.pk, "stock": 37}
    finally:
        socket_b.close()

    # Jobs enqueued on A; A's worker is SIGKILLed while they run: B's worker does every one of them.
    ids = [s.pk for s in batch]
    shell(a, f"from tasks.actors.static_pages import build_sku_page_task\nfor i in {ids}: build_sku_page_task.send(i)")
    wait_for(lambda: any(in_bucket(s3, page_key(i)) for i in ids), 60, what="the batch started")
    worker_a = next(p for p in a.processes if "rundramatiq" in p.args)
    subprocess.run(["pkill", "-KILL", "-P", str(worker_a.pid)], check=False)  # its worker processes first
    worker_a.send_signal(signal.SIGKILL)
    worker_a.wait()
    shell(a, f"from tasks.actors.static_pages import build_sku_page_task; build_sku_page_task.send({late.pk})")
    for sku_id in [*ids, late.pk]:
        wait_for(lambda i=sku_id: in_bucket(s3, page_key(i)), 90, what=f"page of SKU {sku_id} (B's worker)")

    schedulers = [p for m in fleet for p in m.processes if "scheduler" in p.args]
    assert len(schedulers) == 2 and all(p.poll() is None for p in schedulers)
