from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import Page

from tasks.actors.cms import publish_scheduled_pages_task
from tests.factories import ensure_wagtail_tree


@pytest.mark.django_db(transaction=True)
def test_scheduled_page_goes_live_when_the_worker_runs_the_job(dramatiq_worker, dramatiq_broker):
    root = ensure_wagtail_tree()
    page = root.add_child(instance=Page(title="活动页", slug="promo", live=False))
    revision = page.save_revision()
    revision.approved_go_live_at = timezone.now() - timedelta(minutes=1)
    revision.save()

    publish_scheduled_pages_task.send()
    dramatiq_broker.join(publish_scheduled_pages_task.queue_name, timeout=30_000)
    dramatiq_worker.join()

    page.refresh_from_db()
    assert page.live
