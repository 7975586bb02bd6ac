"""`manage.py build_static_pages [--home | --sku ID ...]`: render the static home and SKU detail pages now,
in this process (SPEC B6). Without options: the home page and every launched SKU, with a progress bar;
files of SKUs no longer on sale are removed. Run it after a deploy or to fill an empty STATIC_PAGES_ROOT."""

from __future__ import annotations

from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandParser

from cms import static_page_builder
from commerce.catalog.selectors import CATEGORY_MENU_KEY

BAR_WIDTH = 40


class Command(BaseCommand):
    help = "生成首页和商品详情页的静态HTML文件（默认全部），显示进度条。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--home", action="store_true", help="只生成首页")
        parser.add_argument("--sku", type=int, nargs="+", default=[], help="只生成这些SKU的详情页")

    def handle(self, *args, home: bool, sku: list[int], **options) -> None:
        root = static_page_builder.static_root()
        if home or sku:
            if home:
                written = static_page_builder.build_home_page()
                self.stdout.write(f"首页：{'已生成' if written else '已删除（没有已发布的首页）'}")
            for sku_id in sku:
                written = static_page_builder.build_sku_page(sku_id)
                self.stdout.write(f"SKU {sku_id}：{'已生成' if written else '已删除（未上架或不存在）'}")
            return
        cache.delete(CATEGORY_MENU_KEY)
        written = static_page_builder.build_all_pages(progress=self._draw)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"静态页面已生成：首页和 {written} 个商品详情页，目录 {root}"))

    def _draw(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        filled = int(BAR_WIDTH * fraction)
        self.stdout.write(f"\r[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {done}/{total} {fraction:4.0%}", ending="")
        self.stdout.flush()
