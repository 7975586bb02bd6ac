"""`manage.py load_demo`: the demo shop (issue 2 part 5) — catalog, demo orders and comments, staff groups,
admin account, home page.

Idempotent: `make run` calls it on every start. The superuser `admin` is created with a random password only
when it does not exist; its credentials go to BASE_DIR/var/admin-credentials.txt, which scripts/run.py prints.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from cms.demo import ensure_demo_home_page
from cms.management.staff_groups import ensure_staff_groups
from commerce.catalog.demo import load_catalog
from commerce.orders.demo import load_demo_orders

ADMIN_USERNAME = "admin"


def credentials_path() -> Path:
    return Path(settings.BASE_DIR) / "var" / "admin-credentials.txt"


def ensure_admin() -> str | None:
    """Create the superuser `admin` with a random password if missing; return the password when created."""
    user_model = get_user_model()
    if user_model.objects.filter(username=ADMIN_USERNAME).exists():
        return None
    password = secrets.token_urlsafe(12)
    user_model.objects.create_superuser(username=ADMIN_USERNAME, email="admin@meihao.local", password=password)
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"username: {ADMIN_USERNAME}  password: {password}\n", encoding="utf-8")
    path.chmod(0o600)
    return password


class Command(BaseCommand):
    help = "加载演示数据：商品目录、后台用户组、管理员账号和首页（可重复运行，不会重复创建）。"

    def handle(self, *args, **options) -> None:
        counts = load_catalog()
        orders = load_demo_orders()
        groups = ensure_staff_groups()
        admin_created = ensure_admin() is not None
        home = ensure_demo_home_page()
        if admin_created:
            self.stdout.write(f"已创建管理员 {ADMIN_USERNAME}，账号密码见 {credentials_path()}")
        self.stdout.write(
            self.style.SUCCESS(
                "演示数据就绪：{channels} 个频道、{categories} 个分类、{brands} 个品牌、{spus} 个SPU、{skus} 个SKU、"
                "{images} 张图片（本次新建 {created} 条）；演示订单 {orders} 个；用户组 {groups} 个；"
                "首页「{home}」".format(**counts, orders=orders, groups=len(groups), home=home.title)
            )
        )
