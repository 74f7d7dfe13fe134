"""Limits on how often something may happen per key (an address, an account): a fixed window counted in the database,
so that the limit holds across every app server process and host whatever the cache (a per-process memory cache
would let each gunicorn worker count on its own)."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sohosolo.accounts.models import RateCounter


class Throttle:
    """At most `limit` events per key in `seconds` (a limit of 0: no limit)."""

    def __init__(self, name: str, limit: int, seconds: int) -> None:
        self.name, self.limit, self.seconds = name, limit, seconds

    def _key(self, key: str) -> str:
        return hashlib.sha256(f"{self.name}:{key}".encode()).hexdigest()  # no address stored as such

    def _window(self) -> int:
        now = int(time.time())
        return now - now % self.seconds

    def _counters(self, keys):
        return RateCounter.objects.filter(name=self.name, window=self._window(), key__in=[self._key(k) for k in keys])

    def blocked(self, *keys: str) -> bool:
        if not self.limit:
            return False
        return self._counters(keys).filter(count__gte=self.limit).exists()

    def _add(self, key: str, below_limit: bool) -> bool:
        """Count one event for `key`; with `below_limit`, only while under the limit. Whether it was counted."""
        counters = RateCounter.objects.filter(name=self.name, key=self._key(key), window=self._window())
        for _attempt in range(3):
            if (counters.filter(count__lt=self.limit) if below_limit else counters).update(count=F("count") + 1):
                return True
            if counters.exists():
                if below_limit and counters.filter(count__gte=self.limit).exists():
                    return False  # the limit is reached
                continue  # created by another request since the update: count on it
            try:
                with transaction.atomic():
                    RateCounter.objects.create(name=self.name, key=self._key(key), window=self._window(), count=1)
                return True
            except IntegrityError:  # created meanwhile by another request: count on it
                continue
        return False

    def hit(self, *keys: str) -> None:
        for key in keys:
            self._add(key, below_limit=False)

    def reset(self, *keys: str) -> None:
        RateCounter.objects.filter(name=self.name, key__in=[self._key(k) for k in keys]).delete()

    def over(self, *keys: str) -> bool:
        """True when the limit is already reached for one of the keys; otherwise count this event and return False.
        The count is a conditional update: of many requests at the same instant, `limit` pass and the rest wait."""
        if not self.limit:
            return False
        if self.blocked(*keys):
            return True
        counted = [self._add(key, below_limit=True) for key in keys]  # every key counted, none skipped
        return not all(counted)


def forget_old_counters(older_than: timedelta = timedelta(days=2)) -> int:
    """Delete the counters of windows long past (the longest window is a day)."""
    deadline = int((timezone.now() - older_than).timestamp())
    return RateCounter.objects.filter(window__lt=deadline).delete()[0]
