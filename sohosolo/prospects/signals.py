"""Signals other apps listen to, so that prospects need not know them."""

from django.dispatch import Signal

# Sent once per settling, by the welcome sequence (prospects.tasks.welcome_sequence) inside its transaction, with
# `household`, `village` (the partner village settled in, or None) and `actor_id`. Receivers must be idempotent.
household_settled = Signal()

# Sent by merge_households inside its transaction, with `keep` and `other`, before `other` is deleted: receivers move
# what they hold about `other` to `keep`.
households_merging = Signal()
