"""`manage.py rebuild_search`: empty the product search index and index every launched SKU, with a
progress bar (SPEC C1). Safe to run while the shop is up; searches see a partial index until it ends."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from commerce.catalog.search_service import rebuild_search_index

BAR_WIDTH = 40


class Command(BaseCommand):
    help = "重建商品搜索索引（清空后重新索引所有上架SKU），显示进度条。"
    # The system checks import every URL map, view and admin module (~20 MB and a second or two) that
    # indexing never uses; `manage.py check` and every server start run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="每批写入索引的SKU数量（默认500）")

    def handle(self, *args, batch_size: int, **options) -> None:
        batch_size = max(1, batch_size)
        indexed = rebuild_search_index(batch_size=batch_size, progress=self._draw)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"搜索索引已重建：{indexed} 个SKU"))

    def _draw(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        filled = int(BAR_WIDTH * fraction)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total} {fraction:4.0%}", ending="")
        self.stdout.flush()
