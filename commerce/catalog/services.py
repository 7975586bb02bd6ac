"""Catalog writes that pages trigger: per-category daily visit counts (SPEC B4).

Counted in Redis and moved to the database by a periodic job; see commerce.catalog.visits."""

from __future__ import annotations

from django.conf import settings

from commerce.catalog.visits import flush_visits, record_category_visit

__all__ = ["flush_visits", "record_category_visit"]


def send_low_stock_alert() -> int:
    """Mail the launched SKUs at or below their alert threshold to the staff who can restock them (active users
    with an email and catalog.change_sku, superusers included). Returns how many SKUs were listed (0: no mail).
    Queued through the mail job after commit (commerce.mail)."""
    from django.contrib.auth import get_user_model
    from django.core.mail import EmailMessage
    from django.db.models import Q
    from django.utils import translation
    from django.utils.translation import gettext as _

    from commerce.catalog.selectors import list_low_stock_skus
    from commerce.mail import enqueue_message

    skus = list_low_stock_skus(limit=200)
    if not skus:
        return 0
    perm = Q(groups__permissions__codename="change_sku", groups__permissions__content_type__app_label="catalog")
    perm |= Q(user_permissions__codename="change_sku", user_permissions__content_type__app_label="catalog")
    recipients = sorted(
        set(
            get_user_model()
            .objects.filter(Q(is_superuser=True) | perm, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("%(name)s（编号 %(id)s）：库存 %(stock)s，预警值 %(threshold)s")
            % {"name": sku.name, "id": sku.pk, "stock": sku.stock, "threshold": sku.low_stock_threshold}
            for sku in skus
        ]
        subject = _("【美好商城】%(count)s 个商品库存不足") % {"count": len(skus)}
    enqueue_message(EmailMessage(subject=subject, body="\n".join(lines), to=recipients))
    return len(skus)
