"""Loading the official communes shipped in `data/communes.csv.gz` (built by scripts/build_communes.py)."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from sohosolo.lib.text import fold
from sohosolo.models import Dataset
from sohosolo.territory.models import Commune

COMMUNES_FILE = Path(__file__).resolve().parent / "data" / "communes.csv.gz"
DATASET_NAME = "communes"

# CSV column → Commune field
FIELDS = {
    "name": "name",
    "departement": "departement",
    "departement_name": "departement_name",
    "region": "region",
    "region_name": "region_name",
    "postcodes": "postcodes",
    "population": "population",
    "latitude": "latitude",
    "longitude": "longitude",
    "epci_code": "epci_code",
    "epci_name": "epci_name",
    "address": "town_hall_address",
    "phone": "town_hall_phone",
    "email": "town_hall_email",
    "website": "town_hall_website",
    "outline": "outline",
}
NUMBERS = {"population": int, "latitude": float, "longitude": float}


@dataclass
class LoadReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: bool = False


def read_rows(path: Path = COMMUNES_FILE, departements: Iterable[str] | None = None) -> Iterable[dict]:
    wanted = set(departements) if departements else None
    csv.field_size_limit(2**31 - 1)
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if wanted is None or row["departement"] in wanted:
                yield row


def commune_values(row: dict) -> dict:
    values = {}
    for column, field in FIELDS.items():
        raw = row[column]
        values[field] = (
            NUMBERS[column](raw) if column in NUMBERS and raw != "" else (None if column in NUMBERS else raw)
        )
    return values


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@transaction.atomic
def load_communes(
    path: Path = COMMUNES_FILE, departements: Iterable[str] | None = None, force: bool = False, batch: int = 2000
) -> LoadReport:
    """Create the communes that are missing and update those that changed; idempotent.

    When the whole file was already loaded (same checksum), nothing is read again unless `force`."""
    digest = file_digest(path)
    whole_file = not departements
    if whole_file and not force and Dataset.objects.filter(name=DATASET_NAME, digest=digest).exists():
        return LoadReport(skipped=True)

    report = LoadReport()
    existing = {c.pk: c for c in Commune.objects.all().iterator(chunk_size=5000)}
    to_create, to_update = [], []
    for row in read_rows(path, departements):
        values = commune_values(row)
        commune = existing.get(row["insee_code"])
        if commune is None:
            to_create.append(Commune(insee_code=row["insee_code"], **values))
        elif any(getattr(commune, field) != value for field, value in values.items()):
            for field, value in values.items():
                setattr(commune, field, value)
            to_update.append(commune)
        else:
            report.unchanged += 1
    Commune.objects.bulk_create(to_create, batch_size=batch)
    Commune.objects.bulk_update(to_update, list(FIELDS.values()), batch_size=batch)
    report.created, report.updated = len(to_create), len(to_update)
    if whole_file:
        Dataset.objects.update_or_create(name=DATASET_NAME, defaults={"digest": digest})
    return report


def communes_csv(rows: list[dict]) -> bytes:
    """A communes file holding `rows` (for tests and partial loads)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["insee_code", *FIELDS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return gzip.compress(out.getvalue().encode("utf-8"), mtime=0)


def regions_of_towns(towns: Iterable[str]) -> dict[str, str]:
    """The French region of each town name, keyed by the accent-free name (lib.text.fold): the region of the commune
    so named — several communes may share a name: a metropolitan one before an overseas one, then the most
    populous. Names matching no commune are left out."""
    from django.db.models.functions import Lower

    names = {fold(t) for t in towns if t}
    if not names:
        return {}
    communes = (
        Commune.objects.annotate(lower_name=Lower("name"))
        .filter(lower_name__in=[t.strip().lower() for t in towns if t])
        .exclude(region_name="")
        .values_list("name", "region_name", "departement", "population")
    )
    region_of: dict[str, str] = {}
    # The best candidate last, so that it wins.
    for name, region, _departement, _population in sorted(
        communes, key=lambda c: (not c[2].startswith("97"), c[3] or 0)
    ):
        if fold(name) in names:
            region_of[fold(name)] = region
    return region_of
