"""`manage.py scheduler`: the Procfile's scheduler process, safe to run on every machine (SPEC H, M).

One scheduler leads: it holds dramatiq-crontab's Redis lock ("dramatiq-scheduler", the same key `manage.py
crontab` takes), renews it every LOCK_REFRESH_INTERVAL seconds and sends the cron schedule of tasks.schedule.
Every other one is a standby: it stays up (honcho stops the whole machine when one process exits, which is
what dramatiq-crontab's own `crontab` command does after 15 s without the lock) and tries the lock every
second, so it takes over within LOCK_TIMEOUT + 1 s of the leader dying, even by SIGKILL. A leader that cannot
renew its lock for LOCK_TIMEOUT seconds stops sending and becomes a standby again.

Each tick is also claimed in Redis before it is sent (`SET mh:scheduler:tick:<job>:<slot> NX`), so even two
leaders at once (a frozen leader waking up after its lock expired) never enqueue the same tick twice.
"""

from __future__ import annotations

import importlib
import logging
import signal
import threading
import time
import uuid
from datetime import timedelta
from functools import partial

import redis
from apscheduler.schedulers.background import BackgroundScheduler
from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from dramatiq_crontab.conf import get_settings

logger = logging.getLogger("tasks.scheduler")

LOCK_NAME = "dramatiq-scheduler"
TICK_PREFIX = "mh:scheduler:tick:"
TICK_MARK_SECONDS = 24 * 3600
STANDBY_POLL_SECONDS = 1.0

_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def _slot(trigger, now) -> int:
    """The scheduled time (epoch seconds) of the tick firing now: the trigger's last fire time not after `now`
    (a tick may run up to the misfire grace late). Falls back to the current minute."""
    slot = None
    candidate = trigger.get_next_fire_time(None, now - timedelta(seconds=90))
    while candidate is not None and candidate <= now:
        slot = candidate
        candidate = trigger.get_next_fire_time(candidate, candidate + timedelta(microseconds=1))
    if slot is None:
        return int(now.timestamp()) // 60 * 60
    return int(slot.timestamp())


def _lock_client(redis_url: str) -> redis.Redis:
    """The Redis the leader lock lives on: the Sentinel-elected master when REDIS_SENTINELS is set."""
    if settings.REDIS_SENTINELS:
        from config.redis_clients import sentinel_master_client

        return sentinel_master_client(
            redis_url=settings.REDIS_URL,
            sentinels=settings.REDIS_SENTINELS,
            master=settings.REDIS_SENTINEL_MASTER,
            socket_timeout=5,
        )
    return redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)


class Command(BaseCommand):
    help = "Run the cron schedule as the leader, or wait as a standby for the leader's lock."

    def handle(self, *args, **options) -> None:
        importlib.import_module("dramatiq_crontab.tasks")  # its heartbeat job; ours come from tasks.schedule
        conf = get_settings()
        self.ttl_ms = int(conf.LOCK_TIMEOUT) * 1000
        self.refresh = float(conf.LOCK_REFRESH_INTERVAL)
        self.client = _lock_client(conf.REDIS_URL)
        self.stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self._stop)
        self._say(f"scheduler {self._pid()} started; lock {LOCK_NAME!r}, {conf.LOCK_TIMEOUT} s")
        waiting_said = False
        while not self.stopping.is_set():
            token = uuid.uuid4().hex
            try:
                acquired = self.client.set(LOCK_NAME, token, nx=True, px=self.ttl_ms)
            except redis.RedisError as error:
                logger.warning("scheduler: Redis unreachable (%s); retrying", error)
                self.stopping.wait(2)
                continue
            if not acquired:
                if not waiting_said:
                    self._say("standby: another scheduler holds the lock; waiting to take over")
                    waiting_said = True
                self.stopping.wait(STANDBY_POLL_SECONDS)
                continue
            waiting_said = False
            self._lead(token)
        self._say("scheduler stopped")

    # --- leading ---------------------------------------------------------------------------------------------

    def _lead(self, token: str) -> None:
        from dramatiq_crontab import scheduler as registry

        scheduler = BackgroundScheduler(
            timezone=timezone.get_default_timezone(), job_defaults={"coalesce": True, "misfire_grace_time": 30}
        )
        for job in registry.get_jobs():
            scheduler.add_job(partial(self._tick, job.name, job.func, job.trigger, token), job.trigger, name=job.name)
        scheduler.start()
        self._say(f"leader: took the lock, sending {len(scheduler.get_jobs())} cron jobs")
        renewed = time.monotonic()
        try:
            while not self.stopping.wait(self.refresh):
                try:
                    owned = bool(self.client.eval(_RENEW, 1, LOCK_NAME, token, self.ttl_ms))
                except redis.RedisError as error:
                    logger.warning("scheduler: cannot renew the lock (%s)", error)
                    owned = None
                if owned:
                    renewed = time.monotonic()
                elif owned is False:
                    self._say("leader: the lock is no longer ours; back to standby")
                    return
                elif time.monotonic() - renewed > self.ttl_ms / 1000 - self.refresh:
                    self._say("leader: lock not renewed in time; back to standby")
                    return
        finally:
            scheduler.shutdown(wait=False)
            try:
                self.client.eval(_RELEASE, 1, LOCK_NAME, token)
            except redis.RedisError:
                pass  # it expires by itself

    def _tick(self, name: str, send, trigger, token: str) -> None:
        """Send one tick of job `name`, unless this slot was already claimed (by this or another scheduler)."""
        now = timezone.now()
        stamp = _slot(trigger, now)
        try:
            if self.client.get(LOCK_NAME) != token.encode():
                logger.warning("scheduler: tick %s at %s skipped: not the leader", name, stamp)
                return
            if not self.client.set(f"{TICK_PREFIX}{name}:{stamp}", token, nx=True, ex=TICK_MARK_SECONDS):
                logger.warning("scheduler: tick %s at %s already sent", name, stamp)
                return
        except redis.RedisError as error:
            logger.warning("scheduler: tick %s at %s not sent, Redis unreachable: %s", name, stamp, error)
            return
        send()

    # --- helpers ---------------------------------------------------------------------------------------------

    def _stop(self, signum, frame) -> None:
        self.stopping.set()

    def _pid(self) -> int:
        import os

        return os.getpid()

    def _say(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()
