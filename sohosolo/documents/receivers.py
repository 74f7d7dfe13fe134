"""What the documents do when other parts of the platform tell them something: a household's data exported or
erased (sohosolo.privacy.personal_data), two files merged (sohosolo.prospects.signals), a row deleted."""

from __future__ import annotations

from django.db import transaction

from sohosolo.documents.models import Document


def remove_file(sender, instance: Document, **kwargs) -> None:
    """A deleted row's file leaves the disk too, once the deletion is committed (a rollback keeps both)."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def collect(sender, household, **kwargs) -> tuple[str, list]:
    """What the file holds, described (the files themselves are given on request, not in the export)."""
    return "documents", [
        {
            "name": document.original_name,
            "kind": document.get_kind_display(),
            "description": document.description,
            "type": document.type_label,
            "size": document.size,
            "added_on": document.uploaded_at.isoformat(),
            "shared_with_committee": document.shared_with_committee,
        }
        for document in household.documents.order_by("uploaded_at", "pk")
    ]


def erase(sender, household, **kwargs) -> None:
    """Documents follow their owner: every row and its file go (remove_file, for each row). Idempotent."""
    for document in household.documents.all():
        document.delete()


def on_households_merging(sender, keep, other, **kwargs) -> None:
    """Two files become one: the documents of `other` move to `keep` (their files stay where they are)."""
    Document.objects.filter(household=other).update(household=keep)
