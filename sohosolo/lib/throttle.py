"""Limits on how often something may happen per key (an address, an account): a fixed window in the cache, shared
by every app server when the cache is Redis."""

from __future__ import annotations

from django.core.cache import cache


class Throttle:
    """At most `limit` events per key in `seconds`."""

    def __init__(self, name: str, limit: int, seconds: int) -> None:
        self.name, self.limit, self.seconds = name, limit, seconds

    def _key(self, key: str) -> str:
        return f"throttle:{self.name}:{key}"

    def blocked(self, *keys: str) -> bool:
        counts = cache.get_many([self._key(k) for k in keys])
        return any(count >= self.limit for count in counts.values())

    def hit(self, *keys: str) -> None:
        for key in keys:
            cache.add(self._key(key), 0, self.seconds)
            try:
                cache.incr(self._key(key))
            except ValueError:  # expired between add and incr
                cache.set(self._key(key), 1, self.seconds)

    def reset(self, *keys: str) -> None:
        cache.delete_many([self._key(k) for k in keys])

    def over(self, *keys: str) -> bool:
        """True when the limit is already reached; otherwise count this event and return False."""
        if self.blocked(*keys):
            return True
        self.hit(*keys)
        return False
