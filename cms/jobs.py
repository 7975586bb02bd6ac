"""Background work cms asks for (by actor name, see commerce.jobs); the actors live in tasks/actors/.

The static page builds are sent after commit, at most once per transaction per page (`enqueue_once`).
"""

from __future__ import annotations

from cms.static_page_builder import enqueue_once
from commerce import jobs


def build_home_page() -> None:
    enqueue_once("home", lambda: jobs.send("build_home_page_task"))


def build_sku_page(sku_id: int) -> None:
    enqueue_once(f"sku:{sku_id}", lambda: jobs.send("build_sku_page_task", sku_id))


def build_spu_pages(spu_id: int) -> None:
    enqueue_once(f"spu:{spu_id}", lambda: jobs.send("build_spu_pages_task", spu_id))


def build_all_pages() -> None:
    enqueue_once("all", lambda: jobs.send("build_all_static_pages_task"))
