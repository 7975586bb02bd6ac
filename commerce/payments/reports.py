"""What payments tells the operators' dashboard (运营概况): refunds per Beijing day.

Registered for the orders admin's ``orders_dashboard_refunds`` hook (orders never imports payments).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce, TruncDate

from commerce.payments.models import Refund, RefundStatus

BEIJING = ZoneInfo("Asia/Shanghai")


def refunds_per_day(*, since: datetime, until: datetime) -> dict[date, tuple[int, Decimal]]:
    """Refund records created in [since, until) that have not finally failed (pending or succeeded), counted and
    summed per Beijing day (one query)."""
    rows = (
        Refund.objects.filter(created_at__gte=since, created_at__lt=until)
        .exclude(status=RefundStatus.FAILED)
        .annotate(day=TruncDate("created_at", tzinfo=BEIJING))
        .values("day")
        .annotate(
            n=Count("pk"),
            total=Coalesce(
                Sum("amount"), Value(Decimal("0")), output_field=DecimalField(max_digits=14, decimal_places=2)
            ),
        )
        .values_list("day", "n", "total")
    )
    return {day: (n, Decimal(total)) for day, n, total in rows}
