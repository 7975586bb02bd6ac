"""Redis through Sentinel (SPEC J, M): how each Redis client of the shop reaches the master that the sentinels
elect, built from three settings: REDIS_URL (database number and password; its host is not used),
REDIS_SENTINELS ([(host, port), ...]) and REDIS_SENTINEL_MASTER (the monitored master's name).

- cache and sessions: django-redis's SentinelClient, whose LOCATION names the master instead of a host;
- channel layer: channels-redis's sentinel host entry;
- Dramatiq: ``SentinelRedisBroker``, the Redis broker over a ``Sentinel.master_for`` client.

Every client asks the sentinels for the master on (re)connect, so after a failover the next command after a
dropped connection goes to the promoted replica without restarting any process.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from dramatiq.brokers.redis import RedisBroker

CHANNEL_SOCKET_TIMEOUT = 15  # seconds; more than channels-redis's brpop_timeout (5 s)


def _url_parts(redis_url: str) -> tuple[int, str | None]:
    """(database number, password) from a redis:// URL."""
    parts = urlsplit(redis_url)
    path = parts.path.strip("/")
    db = int(path) if path.isdigit() else 0
    password = unquote(parts.password) if parts.password else None
    return db, password


def sentinel_cache_location(redis_url: str, master: str) -> str:
    """django-redis's SentinelClient LOCATION: the master's name in place of the host."""
    db, password = _url_parts(redis_url)
    auth = f":{password}@" if password else ""
    return f"redis://{auth}{master}/{db}"


def sentinel_channel_host(redis_url: str, sentinels: list[tuple[str, int]], master: str) -> dict[str, Any]:
    """channels-redis host entry for a Sentinel-managed master."""
    db, password = _url_parts(redis_url)
    host: dict[str, Any] = {
        "sentinels": list(sentinels),
        "master_name": master,
        "db": db,
        # redis-py 8 reads with a 5 s socket timeout by default, the same as channels-redis's 5 s BZPOPMIN:
        # an idle consumer's receive would fail with TimeoutError and close its websocket. Wait longer.
        "socket_timeout": CHANNEL_SOCKET_TIMEOUT,
        "socket_connect_timeout": 2,
    }
    if password:
        host["password"] = password
    return host


def sentinel_master_client(*, redis_url: str, sentinels: list[tuple[str, int]], master: str, **kwargs: Any):
    """A redis-py client that always talks to the current master (asks the sentinels on reconnect)."""
    from redis.sentinel import Sentinel

    db, password = _url_parts(redis_url)
    sentinel = Sentinel(sentinels, socket_timeout=2, socket_connect_timeout=2)
    return sentinel.master_for(
        master, db=db, password=password, socket_connect_timeout=2, health_check_interval=10, **kwargs
    )


class SentinelRedisBroker(RedisBroker):
    """dramatiq's RedisBroker on the Sentinel-elected master (settings.DRAMATIQ_BROKER picks it)."""

    def __init__(self, *, url: str, sentinels: list[tuple[str, int]], master_name: str, **options: Any) -> None:
        client = sentinel_master_client(redis_url=url, sentinels=[tuple(s) for s in sentinels], master=master_name)
        super().__init__(client=client, **options)
