"""Queued haystack signal processor: index updates run in a Dramatiq worker after the commit, never in the
request (SPEC C1).

A save or delete of a SKU, an SPU or a brand (the SKU document contains all three) enqueues
``update_search_index_task(model_label, pk)`` once the transaction commits; a rolled-back change enqueues
nothing. The actor reloads the rows, so it indexes what was committed and is safe to run twice.
"""

from __future__ import annotations

import logging

from django.db.models import signals
from haystack.signals import BaseSignalProcessor

from commerce.catalog import jobs

logger = logging.getLogger(__name__)

#: Models whose rows feed a SKU search document.
INDEXED_SENDERS = ("catalog.SKU", "catalog.SPU", "catalog.Brand")


def enqueue_search_update(model_label: str, pk: int) -> None:
    """Send the index job after the current transaction commits (immediately in autocommit)."""
    jobs.update_search_index(model_label=model_label, pk=pk)


class QueuedSignalProcessor(BaseSignalProcessor):
    """Hands saves and deletes to the worker instead of touching the index in the request."""

    def setup(self) -> None:
        for sender in INDEXED_SENDERS:
            signals.post_save.connect(self.handle_save, sender=sender, dispatch_uid=f"search-save-{sender}")
            signals.post_delete.connect(self.handle_delete, sender=sender, dispatch_uid=f"search-delete-{sender}")

    def teardown(self) -> None:
        for sender in INDEXED_SENDERS:
            signals.post_save.disconnect(sender=sender, dispatch_uid=f"search-save-{sender}")
            signals.post_delete.disconnect(sender=sender, dispatch_uid=f"search-delete-{sender}")

    def handle_save(self, sender, instance, **kwargs) -> None:
        if kwargs.get("raw"):  # loaddata: the rebuild command indexes fixtures
            return
        enqueue_search_update(sender._meta.label_lower, instance.pk)

    def handle_delete(self, sender, instance, **kwargs) -> None:
        enqueue_search_update(sender._meta.label_lower, instance.pk)
