"""`manage.py setup_groups`: create the staff groups (内容编辑, 订单管理员) with their permissions; idempotent."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from cms.management.staff_groups import ensure_staff_groups


class Command(BaseCommand):
    help = "创建后台用户组（内容编辑、订单管理员）并授予权限；可重复运行。"

    def handle(self, *args, **options) -> None:
        groups = ensure_staff_groups()
        self.stdout.write(self.style.SUCCESS(f"用户组已就绪：{'、'.join(groups)}"))
