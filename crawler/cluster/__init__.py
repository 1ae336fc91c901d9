"""Running crawls on a cluster: a Celery work queue with a Redis broker (docs/scaling.md).

* :mod:`crawler.cluster.lease` — cluster-wide leases in Redis (one crawl per portal; one per archive);
* :mod:`crawler.cluster.jobs` — job records in Redis, so ``scrapy jobs`` answers from any node;
* :mod:`crawler.cluster.tasks` — the Celery app and its tasks (crawl one portal; derive after it; extract
  one archived file, :mod:`crawler.cluster.extract`).

Everything here talks to the Redis named by ``NIANBAO_BROKER_URL``; nothing else needs it.
"""

from __future__ import annotations

import os

DEFAULT_BROKER_URL = "redis://127.0.0.1:6379/0"


def broker_url() -> str:
    """The Redis of the cluster: Celery's broker, and home of the leases and job records."""
    return os.environ.get("NIANBAO_BROKER_URL") or DEFAULT_BROKER_URL
