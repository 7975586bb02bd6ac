"""Durable delayed jobs (SPEC H: "a worker crash loses no job").

A Dramatiq delayed message lives in one worker's memory until it is due: a SIGKILL or a Redis restart can
strand it for minutes or lose it. Every delayed job that must happen is therefore also a row here, written in
the same transaction as the business change that wants it (an outbox). The row, not the message, is the truth:
the scheduler's dispatch tick (`tasks.durable.dispatch_due`) re-sends any row that is due and that nobody is
working on, and the runner marks it done. Order timeouts and refunds keep the same kind of state on their own
rows (Order.status/created_at, Refund.next_try_at) and are swept by the same tick.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DurableJob(models.Model):
    """One job that must run (at least once; every job is idempotent) at or soon after `due_at`.

    `due_at` means "when someone should next run this if nobody is on it": the runner pushes it one lease
    ahead when it starts, to the backoff time when the job fails, and sets `done_at` when it succeeds.
    """

    key = models.CharField(_("任务键"), max_length=150, unique=True)
    actor_name = models.CharField(_("任务"), max_length=100)
    args = models.JSONField(_("参数"), default=list, blank=True)
    due_at = models.DateTimeField(_("到期时间"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("补发时间"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("执行次数"), default=0)
    max_attempts = models.PositiveIntegerField(_("最多执行次数"), default=10)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("持久任务")
        verbose_name_plural = _("持久任务")
        indexes = [models.Index(fields=["done_at", "due_at"], name="tasks_job_pending_due")]

    def __str__(self) -> str:
        return self.key
