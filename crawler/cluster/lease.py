"""Cluster-wide leases in Redis: ``SET name owner NX PX ttl``, renewed while held, released at the end.

A lease, unlike the archive's local ``flock``, is seen by every node of the cluster. Its holder renews it
every third of its time to live; a holder that dies (kill -9, power cut, lost network) stops renewing, and
the lease lapses after ``ttl`` so the work can be taken up elsewhere. Renewal and release only touch the
lease when it still names its owner (compare-and-set in a Lua script), so a holder that was too slow and
lost its lease can never extend or delete the next holder's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import redis

logger = logging.getLogger(__name__)

PREFIX = "nianbao:lease:"
# Renew: extend only our own lease. Release: delete only our own lease.
_RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


@dataclass
class Lease:
    client: redis.Redis
    name: str  # e.g. "portal:wuchang"
    owner: str  # who holds it, as people read it: "<task id> on <node> pid <pid>"
    ttl_ms: int = 30_000

    @property
    def key(self) -> str:
        return PREFIX + self.name

    def acquire(self) -> bool:
        return bool(self.client.set(self.key, self.owner, nx=True, px=self.ttl_ms))

    def holder(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else value

    def renew(self) -> bool:
        return bool(self.client.eval(_RENEW, 1, self.key, self.owner, self.ttl_ms))

    def release(self) -> bool:
        return bool(self.client.eval(_RELEASE, 1, self.key, self.owner))


@dataclass
class Renewer:
    """A daemon thread renewing leases (and doing other keep-alive calls) every ``interval`` seconds."""

    interval: float
    leases: list[Lease] = field(default_factory=list)
    also: list[Callable[[], None]] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # names of leases that could not be renewed

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-renewer", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            for lease in list(self.leases):
                try:
                    if not lease.renew() and lease.name not in self.lost:
                        self.lost.append(lease.name)
                        logger.error("lease %s lost (now held by %s)", lease.name, lease.holder())
                except redis.RedisError as exc:  # Redis away for a moment: try again next interval
                    logger.warning("lease %s not renewed: %s", lease.name, exc)
            for call in self.also:
                try:
                    call()
                except redis.RedisError as exc:
                    logger.warning("keep-alive call failed: %s", exc)

    def __enter__(self) -> Renewer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
