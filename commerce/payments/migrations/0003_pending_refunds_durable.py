"""Refunds still pending when this version is deployed were retried by Dramatiq messages only: give each a
durable job (due now) so the dispatch tick finishes them (tasks.durable)."""

from django.db import migrations
from django.utils import timezone


def arm_pending_refunds(apps, schema_editor):
    Refund = apps.get_model("payments", "Refund")
    DurableJob = apps.get_model("tasks", "DurableJob")
    now = timezone.now()
    for refund_id in Refund.objects.filter(status="pending").values_list("pk", flat=True):
        DurableJob.objects.get_or_create(
            key=f"payments.refund:{refund_id}",
            defaults={"actor_name": "refund_payment_task", "args": [refund_id], "due_at": now, "max_attempts": 13},
        )
    Refund.objects.filter(status="pending", next_try_at__isnull=True).update(next_try_at=now)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0002_refund_next_try"),
        ("tasks", "0001_initial"),
    ]

    operations = [migrations.RunPython(arm_pending_refunds, migrations.RunPython.noop)]
