"""Signals other apps listen to, so that prospects need not know them.

Receivers (each app connects its own in its AppConfig.ready, from its receivers module):
- household_settled: committees (the village's welcome checklist), network (the invitation to the club of Solos);
- households_merging: committees (referrals, visits, checklists move to the kept file)."""

from django.dispatch import Signal

# Sent once per settling, by the welcome sequence (prospects.services.welcome_sequence) inside its transaction, with
# `household`, `village` (the partner village settled in, or None), `follow_ups` (the welcome follow-ups it planned)
# and `actor_id`. Receivers must be idempotent.
household_settled = Signal()

# Sent by merge_households inside its transaction, with `keep` and `other`, before `other` is deleted: receivers move
# what they hold about `other` to `keep`.
households_merging = Signal()
