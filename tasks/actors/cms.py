"""Wagtail jobs: publish and unpublish pages whose scheduled go-live or expiry time has come (SPEC B3)."""

import dramatiq
from django.core.management import call_command


@dramatiq.actor(max_retries=3, time_limit=120_000)
def publish_scheduled_pages_task() -> None:
    """Runs Wagtail's own `publish_scheduled` command; it only touches pages that are due, so twice is safe."""
    call_command("publish_scheduled")
