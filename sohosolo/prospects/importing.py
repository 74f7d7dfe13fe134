"""Import of the programme's existing spreadsheets (CSV or XLSX) into prospects, history included.

Two passes: every row is read, checked and matched against the territory's households first; only then is anything
written. The new households are written in short transactions of WRITE_BATCH rows, so that on SQLite (one writer at a
time) the applications and the team's saves sent meanwhile wait for one batch, never for the whole file; the changes
to households already there and the import's log entry come last, in one transaction. Every entry an import writes
names its run (`data.import.run`): when a batch fails, the batches already written are deleted again (nothing is
half-applied, whatever the mode), and a run interrupted by a crash is undone when it starts again (`run`), or by the
hourly clean-up, so that running it again writes each row once. Duplicates follow the rules
of `services.find_duplicate` (same email, same normalised phone, or same names and town), but on keys held in memory:
one query per row would make a 10,000-row file take minutes.

A row identical to one an earlier import wrote is skipped, so that importing a file again after fixing its rejected
rows does not flag every household as a possible duplicate. No consent is recorded: a spreadsheet is no consent.

Line numbers are those a spreadsheet shows: the header is line 1, the first data row line 2.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import logging
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from time import sleep
from typing import IO, Any, NamedTuple
from uuid import uuid4

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sohosolo.accounts.models import STAFF_ROLES, Role
from sohosolo.audit.log import log_action
from sohosolo.audit.models import ActionLog
from sohosolo.lib.exports import FORMULA_STARTS, csv_text, xlsx_content
from sohosolo.lib.text import fold, name_key, phone_key
from sohosolo.prospects import import_values as vocabulary
from sohosolo.prospects.import_values import Communes, People, Villages, key
from sohosolo.prospects.models import (
    STAGES_WITH_REASON,
    Household,
    ImportMapping,
    Interaction,
    Person,
    Stage,
    in_work,
)
from sohosolo.territory.models import Commune, Territory

BATCH_SIZE = 500
PROGRESS_EVERY = 500
# New households written per transaction: the other writers of a SQLite database wait for one batch at most.
WRITE_BATCH = 100
# Seconds between two write transactions on SQLite: a writer waiting for the lock polls it every 100 ms at most
# (SQLite's busy handler), so a shorter pause would let the import take the lock again before anybody else.
WRITE_PAUSE = 0.15


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, no usable column, bad mapping)."""


class ImportCancelled(RuntimeError):
    """The import was given up while it wrote (its job was marked failed meanwhile): what it wrote is undone."""


class Mode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    VALID_ONLY = "valid_only"


# The fields an import can fill, with the headers recognised without a mapping (compared folded: case, accents and
# punctuation ignored, so "E-mail", "e_mail" and "EMAIL" are one). They include the usual headers of the programmes'
# own spreadsheets, of CiviCRM's contact export and of Odoo CRM's leads export.
FIELDS: dict[str, str] = {
    "external_ref": "n|no|num|numero|n dossier|numero de dossier|n de dossier|id|identifiant|ref|reference|"
    "reference externe|contact id|id du contact|external id|external reference|number|numero de fiche|n fiche",
    "first_name": "prenom|prenoms|first name|firstname|given name|prenom du contact",
    "last_name": "nom|nom de famille|last name|lastname|surname|family name|nom du contact",
    "full_name": "nom complet|nom et prenom|nom prenom|prenom nom|prenom et nom|noms|contact name|full name|"
    "display name|sort name|contact|candidat|candidate",
    "email": "email|e mail|courriel|mail|adresse email|adresse e mail|adresse mail|email address|e mail 1|email 1|"
    "email principal|primary email|courriel principal|email from|adresse electronique|mel|e mail perso",
    "phone": "telephone|tel|phone|phone number|numero de telephone|portable|mobile|tel portable|tel fixe|"
    "telephone portable|telephone fixe|mobile phone|gsm|phone 1|telephone 1|tel 1|tel 2|telephone 2",
    "current_town": "ville|town|city|commune actuelle|ville actuelle|ville de residence|current town|"
    "town of residence|lieu de residence|residence|localite|ville d origine|domicile",
    "current_country": "pays|country|pays actuel|pays de residence|current country|country of residence|"
    "pays d origine|country id",
    "first_contact_on": "premier contact|date de premier contact|date du premier contact|date premier contact|"
    "first contact|first contact date|first contact on|date 1er contact|date de 1er contact|date du 1er contact|"
    "1er contact|created date|created on|creation date|date de creation|cree le|date d entree|date de la demande|"
    "date demande|date du contact|date de contact|date contact|date|create date",
    "last_contact_on": "dernier contact|date dernier contact|date du dernier contact|date de dernier contact|"
    "last contact|last contact date|last contact on|derniere relance|date de derniere relance|last activity",
    "stage": "etape|statut|stage|status|etat|avancement|statut du dossier|etape du dossier|phase|stage id",
    "stage_reason": "motif|raison|motif d abandon|raison de l abandon|reason|lost reason|motif de perte|"
    "motif de l etape",
    "advisor": "conseiller|conseillere|conseiller e|advisor|adviser|conseiller referent|referent|referente|"
    "suivi par|charge de mission|salesperson|assigned to|responsable|commercial|owner|user id",
    "source": "source|origine|how they heard of us|origine du contact|origine contact|canal|contact source|"
    "source du contact|connu par|comment nous a t il connu|provenance|lead source|source id",
    "activity": "activite|type d activite|activity|activite pro|activite professionnelle|statut professionnel|"
    "situation professionnelle|type de projet|projet professionnel",
    "sector": "secteur|secteur d activite|sector|profession|metier|domaine|domaine d activite|industry",
    "household": "household member of household name|household member of household id|household member of|"
    "household name|household|household id|nom du foyer|foyer|famille foyer",
    "contact_type": "contact type|type de contact|type de fiche",
    "partner": "conjoint|conjoint e|conjointe|epoux|epouse|compagnon|compagne|partner|spouse|second adulte|"
    "nom du conjoint|prenom du conjoint|conjoint prenom|conjoint nom",
    "children": "enfants|enfants ages|enfant s|enfants age|ages des enfants|age des enfants|enfants s ages|"
    "children|children ages|kids|ages of children",
    "household_size": "nb pers|nb personnes|nb de personnes|nombre de personnes|personnes|taille du foyer|"
    "composition du foyer|nb pers foyer|household size|people|number of people|size of household",
    "villages_of_interest": "villages|village|villages d interet|village s d interet|village d interet|"
    "village souhaite|villages souhaites|village s souhaite s|communes souhaitees|commune souhaitee|"
    "villages of interest|village of interest",
    "settled_on": "installe le|installee le|installe e le|date d installation|date installation|settled on|"
    "settled date|date d arrivee|arrive le|arrivee le",
    "settled_commune": "commune d installation|commune installation|settled in|settled commune|settling commune|"
    "commune d accueil|village d installation|lieu d installation|installe a|installee a|installe e a|"
    "commune d arrivee",
    "settled_people": "personnes installees|nombre de personnes installees|nb personnes installees|people settled|"
    "number of people settled|nb de personnes installees",
    "notes": "notes|note|remarques|remarque|remarque s|commentaires|commentaire|commentaire s|comments|comment|"
    "observation|observations|note s|internal notes|notes internes|description",
}
# Fields several columns may give: the first phone given is the file's phone (the others go to the notes), and every
# notes column goes to the notes.
MULTI_FIELDS = {"phone", "notes"}
# A column no field takes is kept in the file's notes ("Tags : Famille"), unless the mapping says to ignore it.
KEEP = "keep"
PERSON_FIELDS = ("first_name", "last_name", "email", "phone")
# Types of contact (CiviCRM's "Contact Type") that are no household: their rows are skipped, and counted.
ORGANISATIONS = frozenset(
    key(word) for word in ("organization", "organisation", "entreprise", "company", "société", "association")
)

# Reading ----------------------------------------------------------------------------------------------------------


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)


def read_table(source: str | Path | IO[bytes] | bytes) -> Table:
    """The first sheet of an XLSX file, or a CSV file (UTF-8 with or without BOM, else Windows-1252; `;`, `,` or
    tab), as text cells. The first non-empty row gives the headers; empty rows are skipped but keep their number."""
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | Path):
        data = Path(source).read_bytes()
    else:
        data = source.read()
    if not data.strip():
        raise ImportFileError(_("This file is empty."))
    if data.startswith(b"PK\x03\x04"):
        lines = _xlsx_lines(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("Old Excel files (.xls) cannot be read: save the file as .xlsx or as CSV."))
    else:
        lines = _csv_lines(_decode(data))
    headers: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for number, cells in lines:
        if not any(cells):
            continue
        if headers is None:
            headers = cells
        else:
            rows.append((number, cells))
    if headers is None:
        raise ImportFileError(_("This file is empty."))
    return Table(headers, rows)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Windows-1252 leaves five bytes undefined: a stray one should not cost the whole file.
        return data.decode("cp1252", errors="replace")


def _unescaped(text: str) -> str:
    """A cell as written before an export escaped it ("'+33 6…", kept as text by lib.exports.cell): the apostrophe
    is the spreadsheet's mark, not part of the value."""
    return text[1:] if text.startswith("'") and text[1:2] and text[1:].startswith(FORMULA_STARTS) else text


def _csv_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    if "\x00" in text:
        raise ImportFileError(_("This file is neither a CSV file nor an XLSX file."))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # A record is one spreadsheet row, even when a quoted cell spans several lines of text.
        for number, cells in enumerate(reader, start=1):
            if number > MAX_ROWS + 1 or len(cells) > MAX_COLUMNS:
                raise _too_big(number)
            yield number, [_unescaped(cell.strip()) for cell in cells]
    except csv.Error as error:
        raise ImportFileError(_("This CSV file cannot be read: %(error)s") % {"error": error}) from error


# Limits of a spreadsheet, checked before and while it is read: a small crafted file must not fill the memory.
XLSX_MAX_UNCOMPRESSED = 150 * 1024 * 1024  # all its parts, unpacked
XLSX_MAX_RATIO = 200  # unpacked size over packed size of one part (a real sheet packs 5 to 20 times)
MAX_ROWS = 200_000
MAX_COLUMNS = 300


def _check_zip(data: bytes) -> None:
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise ImportFileError(_("This file cannot be read as an XLSX spreadsheet.")) from error
    unpacked = sum(part.file_size for part in parts)
    bomb = any(part.file_size > 1024 * 1024 and part.file_size > XLSX_MAX_RATIO * part.compress_size for part in parts)
    if unpacked > XLSX_MAX_UNCOMPRESSED or bomb:
        raise ImportFileError(
            _("This spreadsheet unpacks to too much data (%(size)s MB): save it as CSV, or split it.")
            % {"size": unpacked // (1024 * 1024)}
        )


def _too_big(rows: int) -> ImportFileError:
    return ImportFileError(
        _("This file has more than %(rows)s rows or %(columns)s columns: split it in several files.")
        % {"rows": f"{MAX_ROWS:,}".replace(",", "\u202f"), "columns": MAX_COLUMNS}
    )


def _xlsx_lines(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    _check_zip(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (zip, XML, key errors) for a damaged file
        raise ImportFileError(_("This file cannot be read as an XLSX spreadsheet.")) from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write wrong dimensions; read what is really there
        lines = []
        # Streamed row by row; a row's trailing empty cells are dropped at once, so that a cell placed far to the
        # right or far below costs nothing kept.
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS + 1:
                raise _too_big(number)
            width = len(values)
            while width and values[width - 1] in (None, ""):
                width -= 1
            if width > MAX_COLUMNS:
                raise _too_big(number)
            lines.append((number, [_cell_text(value) for value in values[:width]]))
        return lines
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _unescaped(str(value).strip())


# Mapping ----------------------------------------------------------------------------------------------------------

_ALIASES = {key(alias): name for name, aliases in FIELDS.items() for alias in aliases.split("|")}


def field_label(name: str) -> str:
    """The field's name as the application shows it, in the active language ("First contact")."""
    if name in EXTRA_LABELS:
        return str(EXTRA_LABELS[name])
    model = Person if name in PERSON_FIELDS else Household
    return str(capfirst(model._meta.get_field(name).verbose_name))


EXTRA_LABELS = {
    "full_name": gettext_lazy("Full name (first and last)"),
    "household": gettext_lazy("Household (rows of one family)"),
    "contact_type": gettext_lazy("Type of contact (person, household, organisation)"),
    "partner": gettext_lazy("Partner (second adult)"),
    "children": gettext_lazy("Children (ages or names)"),
    "household_size": gettext_lazy("Number of people in the household"),
    "external_ref": gettext_lazy("Reference in the file (number, id)"),
    KEEP: gettext_lazy("Keep in the notes"),
}


def load_mapping(path: str | Path) -> dict[str, str | None]:
    """A mapping saved as JSON: {"header in the file": "field", …}; null or "" ignores a column."""
    mapping = _load_json(path)
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()
    ):
        raise ImportFileError(_('The mapping file must hold one object: {"header in the file": "field", …}.'))
    return mapping


def load_values(path: str | Path) -> dict[str, dict[str, str | None]]:
    """Value mappings saved as JSON: {"column": {"value in the file": "choice"}}; null or "" leaves the field empty
    (the value is kept in the notes)."""
    values = _load_json(path)
    if not isinstance(values, dict) or not all(
        isinstance(column, str)
        and isinstance(choices, dict)
        and all(isinstance(v, str) and (t is None or isinstance(t, str)) for v, t in choices.items())
        for column, choices in values.items()
    ):
        raise ImportFileError(
            _('The values file must hold one object: {"column": {"value in the file": "choice"}, …}.')
        )
    return values


def _load_json(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as error:
        raise ImportFileError(
            _("The file %(file)s cannot be read: %(error)s") % {"file": path, "error": error}
        ) from error


def guess_mapping(headers: list[str], mapping: dict[str, str | None] | None = None) -> dict[int, str]:
    """Column index → field (or KEEP): the columns named in `mapping` as it says, the others by their header when it
    is a known one (French or English), and any other column with a header kept in the notes. Raises
    ImportFileError on an unknown field or column, or a field given twice."""
    explicit = {key(header): (header, target or None) for header, target in (mapping or {}).items()}
    for _header, target in explicit.values():
        if target is not None and target not in FIELDS and target != KEEP:
            raise ImportFileError(
                _("Unknown field “%(field)s” in the mapping; the fields are: %(fields)s.")
                % {"field": target, "fields": ", ".join([*FIELDS, KEEP])}
            )
    keys = [key(header) for header in headers]
    for folded, (header, _target) in explicit.items():
        if folded not in keys:
            raise ImportFileError(
                _("The mapping names a column “%(header)s” that the file does not have.") % {"header": header}
            )
    given = {target for _header, target in explicit.values() if target}
    columns: dict[int, str] = {}
    for index, folded in enumerate(keys):
        if folded in explicit:
            target = explicit[folded][1]
        elif not folded:
            continue
        else:
            target = _ALIASES.get(folded)
            if target in given and target not in MULTI_FIELDS:
                target = KEEP  # the mapping names another column for this field
            if target is None or (target in columns.values() and target not in MULTI_FIELDS):
                target = KEEP  # unknown, or a second column for a field: kept in the notes, not lost
        if target is None:
            continue
        if target in columns.values() and target not in MULTI_FIELDS and target != KEEP:
            first = headers[next(i for i, f in columns.items() if f == target)]
            raise ImportFileError(
                _("Columns “%(first)s” and “%(second)s” both give the field “%(field)s”: give a mapping.")
                % {"first": first, "second": headers[index], "field": field_label(target)}
            )
        columns[index] = target
    if not {"first_name", "last_name", "full_name", "email", "phone"} & set(columns.values()):
        raise ImportFileError(
            _(
                "No column gives a name, an email or a phone (columns found: %(headers)s). Check the headers, the "
                "separator, or give a mapping."
            )
            % {"headers": ", ".join(h for h in headers if h) or "—"}
        )
    return columns


def headers_key(headers: list[str]) -> str:
    """What identifies a file's layout, so that its next import starts from the mappings confirmed last time."""
    return hashlib.sha256("\x1f".join(key(header) for header in headers).encode()).hexdigest()[:40]


def remembered(territory: Territory, headers: list[str]) -> tuple[dict[str, str | None], dict[str, dict]]:
    """The column and value mappings last confirmed in this territory for a file with these headers."""
    saved = ImportMapping.objects.filter(territory=territory, headers_key=headers_key(headers)).first()
    return (saved.columns, saved.values) if saved else ({}, {})


def remember(territory: Territory, headers: list[str], columns: dict, values: dict, user=None) -> None:
    ImportMapping.objects.update_or_create(
        territory=territory,
        headers_key=headers_key(headers),
        defaults={
            "headers": headers,
            "columns": columns,
            "values": values,
            "updated_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )


# Values -----------------------------------------------------------------------------------------------------------

_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?: [\d:.]+)?$")
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")  # 5 digits: from 1927 to 2173, never a bare year
_EXCEL_EPOCH = date(1899, 12, 30)
_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{4})$")
_YEAR = re.compile(r"^(19|20)\d{2}$")


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy, dd/mm/yy, yyyy-mm-dd (with a time or not), mm/yyyy, a year alone, or an Excel day number; None
    when it is none of these. A month or a year alone is its first day, as a spreadsheet of years of contacts writes
    the ones it does not know better."""
    text = text.strip()
    try:
        if match := _YMD.match(text):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
        if match := _DMY.match(text):
            day, month, year = (int(g) for g in match.groups())
            if len(match.group(3)) == 2:
                # A two-digit year is in this century unless that would be in the future.
                year += 2000 if 2000 + year <= timezone.localdate().year else 1900
            return date(year, month, day)
        if match := _MONTH_YEAR.match(text):
            return date(int(match.group(2)), int(match.group(1)), 1)
        if _YEAR.match(text):
            return date(int(text), 1, 1)
        if _EXCEL_SERIAL.match(text):
            return _EXCEL_EPOCH + timedelta(days=int(float(text)))
    except (ValueError, OverflowError):
        return None
    return None


# What is wrong with a row: a code and its parameters, worded when shown, in the reader's language.
PROBLEMS = {
    "too_long": gettext_lazy("%(field)s is too long (%(length)s characters, at most %(max)s)."),
    "bad_email": gettext_lazy("“%(value)s” is not a valid email address."),
    "nobody": gettext_lazy("No name, email or phone: at least one of them is needed."),
    "not_a_date": gettext_lazy("%(field)s: “%(value)s” is not a date (expected dd/mm/yyyy or yyyy-mm-dd)."),
    "future": gettext_lazy("%(field)s: %(value)s is in the future."),
    "settled_before_contact": gettext_lazy("Settled on %(settled)s, before the first contact on %(first)s."),
    "unknown_commune": gettext_lazy(
        "Unknown commune “%(value)s” in département %(departement)s (give its name or INSEE code)."
    ),
    "several_communes": gettext_lazy(
        "Several communes of département %(departement)s are named “%(value)s”: give the INSEE code instead."
    ),
    "bad_number": gettext_lazy("%(field)s: “%(value)s” is not a whole number from 1 to 99."),
    "settled_incomplete": gettext_lazy("A settled household needs the commune and the date of settling."),
    "settling_not_settled": gettext_lazy(
        "Settling date, commune or number of people given, but the stage is “%(stage)s”, not settled."
    ),
}
# The same, as the title of a group of rows in the report ("Not a valid email address: 12 rows").
PROBLEM_TITLES = {
    "too_long": gettext_lazy("A value too long"),
    "bad_email": gettext_lazy("Not a valid email address"),
    "nobody": gettext_lazy("No name, email or phone"),
    "not_a_date": gettext_lazy("Not a date"),
    "future": gettext_lazy("A date in the future"),
    "settled_before_contact": gettext_lazy("Settled before the first contact"),
    "unknown_commune": gettext_lazy("Unknown commune of settling"),
    "several_communes": gettext_lazy("Commune of settling named like several"),
    "bad_number": gettext_lazy("Not a whole number"),
    "settled_incomplete": gettext_lazy("Settled, but without the commune or the date"),
    "settling_not_settled": gettext_lazy("Settling data on a household not settled"),
}


LINES_SHOWN = 20  # lines listed per reason of rejection


def shown_lines(lines: list[int]) -> str:
    """The first lines of a group of rejected rows, for the report ("4, 9, 12 …")."""
    return ", ".join(str(line) for line in lines[:LINES_SHOWN]) + (" …" if len(lines) > LINES_SHOWN else "")


def word_problem(code: str, params: dict) -> str:
    """A problem in the active language: field names and stages in `params` are worded too."""
    params = dict(params)
    if "field" in params:
        params["field"] = field_label(params["field"])
    if "stage" in params:
        params["stage"] = Stage(params["stage"]).label
    template = PROBLEMS.get(code)
    return str(template) % params if template else code


def word_problems(problems: Iterable[tuple[str, dict] | list]) -> str:
    return " ".join(word_problem(code, params) for code, params in problems)


class Rejection(NamedTuple):
    line: int
    reason: str  # in the language active when the import ran; `ImportReport.problems` has the codes


@dataclass
class ImportReport:
    """What an import did, or would do: `created`, `attached` and `updated` count the same in a dry run or a refused
    "all or nothing" import, where `written` stays False. Lines of `rejected` are the file's (header: line 1)."""

    file_name: str
    rows: int = 0
    created: int = 0
    attached: int = 0  # rows matching a household of the territory or an earlier row: attached to it, flagged
    updated: int = 0  # rows whose reference is a file an earlier import made, changed since: that file updated
    already_imported: int = 0  # rows identical to a row an earlier import wrote: skipped
    members: int = 0  # rows adding a member to a household given by an earlier row (same household column)
    skipped: list[int] = field(default_factory=list)  # lines of organisations (a contacts export's companies)
    rejected: list[Rejection] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    mode: str = Mode.ALL_OR_NOTHING
    columns: dict[str, str] = field(default_factory=dict)  # header → field
    ignored_columns: list[str] = field(default_factory=list)
    kept_columns: list[str] = field(default_factory=list)  # columns no field takes, kept in the notes
    headers: list[str] = field(default_factory=list)
    problems: dict[int, list[tuple[str, dict]]] = field(default_factory=dict)  # line → codes and parameters
    rejected_cells: dict[int, list[str]] = field(default_factory=dict)  # line → the row as in the file
    # Values of choice columns that the import did not map with certainty: field → value → rows (kept in notes).
    unmapped: dict[str, dict[str, int]] = field(default_factory=dict)

    def groups(self) -> list[tuple[str, int, list[int]]]:
        """The rejections by reason: (code, number of rows, their lines), the most frequent first."""
        lines: dict[str, list[int]] = {}
        for line, problems in self.problems.items():
            for code in dict.fromkeys(code for code, _params in problems):
                lines.setdefault(code, []).append(line)
        return sorted(((code, len(found), found) for code, found in lines.items()), key=lambda g: (-g[1], g[2][0]))

    def as_dict(self) -> dict:
        """For an ImportJob's report: codes, not sentences, so that it reads in the reader's language."""
        return {
            "rows": self.rows,
            "created": self.created,
            "attached": self.attached,
            "updated": self.updated,
            "members": self.members,
            "skipped": self.skipped,
            "already_imported": self.already_imported,
            "rejected": [
                {"line": line, "reason": reason, "problems": self.problems.get(line, [])}
                for line, reason in self.rejected
            ],
            "rejected_rows": [{"line": line, "cells": cells} for line, cells in self.rejected_cells.items()],
            "headers": self.headers,
            "written": self.written,
            "mode": str(self.mode),
            "columns": self.columns,
            "ignored_columns": self.ignored_columns,
            "kept_columns": self.kept_columns,
            "unmapped": self.unmapped,
        }


def rejected_rows_table(headers: list[str], rejected: Iterable[tuple[int, list[str], str]]) -> tuple[list, list]:
    """The rejected rows as a spreadsheet to fix and import again: the file's columns, then the line and the reason."""
    width = len(headers)
    header = [*headers, _("Line in the file"), _("Reason for rejection")]
    rows = [[*(cells + [""] * width)[:width], line, reason] for line, cells, reason in rejected]
    return header, rows


def write_rejected_rows(path: Path, report: ImportReport) -> None:
    """The rejected rows to `path` (.xlsx, else CSV as a French spreadsheet reads it)."""
    header, rows = rejected_rows_table(
        report.headers,
        ((line, report.rejected_cells.get(line, []), reason) for line, reason in report.rejected),
    )
    if path.suffix.lower() == ".xlsx":
        path.write_bytes(xlsx_content(header, rows, title=str(_("Rejected rows"))))
    else:
        path.write_text(csv_text(header, rows), encoding="utf-8")


# Import -----------------------------------------------------------------------------------------------------------


@dataclass
class _Attachment:
    line: int
    values: dict[str, str]
    row_hash: str
    kept: list[str]


@dataclass(eq=False)
class _NewHousehold:
    order: int
    line: int
    row_hash: str
    values: dict[str, str]
    household: Household
    people: list[Person]
    kept: list[str]
    villages: list[int]
    notes: list[str]  # the household's notes: the file's, then what no field holds
    attached: list[_Attachment] = field(default_factory=list)
    member_lines: list[int] = field(default_factory=list)
    member_hashes: list[str] = field(default_factory=list)


@dataclass
class _Update:
    household_id: int
    line: int
    row_hash: str
    values: dict[str, str]
    checked: dict[str, Any]
    changed: list[str]
    kept: list[str]


def _row_hash(values: dict[str, str]) -> str:
    """What identifies a row's content, so that importing the same file again (say, after fixing its rejected rows)
    skips the rows already imported instead of flagging every household as a possible duplicate."""
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:32]


class _Context:
    """What the checks look values up in, loaded once per import; each distinct value is looked up once."""

    def __init__(self, territory: Territory, values: dict[str, dict[str, str | None]], default_advisor=None):
        self.territory = territory
        self.today = timezone.localdate()
        staff = Role.objects.filter(territory=territory, kind__in=STAFF_ROLES, user__is_active=True).select_related(
            "user"
        )
        self.people = People({role.user for role in staff})
        self.default_advisor = default_advisor
        self.communes = Communes(Commune.objects.in_departement(territory.departement).only("insee_code", "name"))
        self._national = False
        self.villages = Villages(territory.villages.select_related("commune"))
        self.vocabularies = {
            "stage": vocabulary.stages(),
            "activity": vocabulary.activities(),
            "source": vocabulary.sources(),
            "advisor": self.people,
            "settled_commune": self.communes,
            "current_country": vocabulary.countries(),
            "villages_of_interest": self.villages,
        }
        self.chosen = self._chosen(values)
        self.resolved: dict[tuple[str, str], str | None] = {}
        self.max_lengths = {
            name: (Person if name in PERSON_FIELDS else Household)._meta.get_field(name).max_length
            for name in ("first_name", "last_name", "email", "phone", "current_town", "current_country", "sector")
        }

    def national_communes(self) -> None:
        """The communes of all France, read once and only when a name is not one of the département's."""
        if not self._national:
            self._national = True
            everywhere = Commune.objects.exclude(departement=self.territory.departement).only("insee_code", "name")
            self.communes.add(everywhere)

    def _chosen(self, values: dict[str, dict[str, str | None]]) -> dict[str, dict[str, str]]:
        """The value mappings a person gave, by field and folded value, their targets checked."""
        chosen: dict[str, dict[str, str]] = {}
        for name, choices in values.items():
            if name not in self.vocabularies:
                continue
            for value, target in choices.items():
                resolved = ""
                if target:
                    if name == "settled_commune":
                        self.national_communes()
                    resolved = self.vocabularies[name].resolve(target)
                    if not resolved:
                        raise ImportFileError(
                            _("“%(target)s” is not a choice of the column “%(field)s” (for the value “%(value)s”).")
                            % {"target": target, "field": field_label(name), "value": value}
                        )
                chosen.setdefault(name, {})[key(value)] = resolved
        return chosen

    def suggest(self, name: str, text: str) -> vocabulary.Suggestion:
        suggestion = self.vocabularies[name].suggest(text)
        if name == "settled_commune" and not suggestion.target:
            self.national_communes()
            suggestion = self.communes.suggest(text)
        return suggestion

    def choice(self, name: str, text: str) -> str | None:
        """What a value of a choice column means: the person's choice, else a sure suggestion; "" when the person
        chose to leave it empty, None when the import does not know."""
        folded = key(text)
        if folded in self.chosen.get(name, {}):
            return self.chosen[name][folded]
        found = self.resolved.get((name, folded), False)
        if found is False:
            suggestion = self.suggest(name, text)
            found = suggestion.target if suggestion.sure else None
            self.resolved[(name, folded)] = found
        return found


VALUES_SHOWN = 100  # distinct values of a column listed for a person to confirm, the most frequent first


@dataclass
class ValueRow:
    value: str
    count: int
    suggestion: vocabulary.Suggestion
    label: str  # of the suggested choice


@dataclass
class ValueColumn:
    index: int
    header: str
    field: str
    rows: list[ValueRow]
    more: int  # distinct values not listed (the import maps them when it is sure, else keeps them in the notes)
    choices: list[tuple[str, str]] | None  # target → label when the choices are few enough for a list
    fields: list = field(default_factory=list)  # (row, bound form field) on the mapping page

    @property
    def label(self) -> str:
        return field_label(self.field)


def value_table(table: Table, columns: dict[int, str], territory: Territory) -> list[ValueColumn]:
    """Every distinct value of the choice columns, with its count and the choice it seems to mean."""
    ctx = _Context(territory, {})
    found = []
    for index, name in sorted(columns.items()):
        if name not in vocabulary.CHOICE_FIELDS:
            continue
        counted = Counter(
            cells[index].strip() for _line, cells in table.rows if index < len(cells) and cells[index].strip()
        )
        distinct = counted.most_common(VALUES_SHOWN)
        rows = []
        for value, count in distinct:
            suggestion = ctx.suggest(name, value)
            rows.append(ValueRow(value, count, suggestion, ctx.vocabularies[name].label(suggestion.target)))
        labels = getattr(ctx.vocabularies[name], "labels", None)
        choices = (
            [(t, str(label)) for t, label in labels.items()]
            if name in ("stage", "activity", "source", "advisor")
            else None
        )
        found.append(ValueColumn(index, table.headers[index], name, rows, len(counted) - len(distinct), choices))
    return found


def check_values(
    territory: Territory, values: dict[str, dict[str, str | None]], columns: dict[int, str], headers
) -> None:
    """Raises ImportFileError when a value mapping names a column the file lacks or a choice that does not exist."""
    _Context(territory, _values_by_column(values, columns, headers))


def _values_by_field(
    columns: dict[int, str], headers: list[str], cells: list[str]
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The row's value for each field (several phone or notes columns joined), and the (header, value) of the
    columns kept in the notes and of the phones after the first."""
    values: dict[str, str] = {}
    kept: list[tuple[str, str]] = []
    notes: list[tuple[str, str]] = []
    for index, name in columns.items():
        value = cells[index] if index < len(cells) else ""
        if name == KEEP:
            if value:
                kept.append((headers[index], value))
        elif name == "phone" and "phone" in values:
            if value and not values["phone"]:
                values["phone"] = value
            elif value and phone_key(value) != phone_key(values["phone"]):
                kept.append((headers[index], value))
        elif name == "notes":
            notes.append((headers[index], value))
        else:
            values[name] = value
    if notes:
        given = [(header, _plain(value)) for header, value in notes if value]
        values["notes"] = (
            given[0][1] if len(given) == 1 else "\n".join(f"{header} : {value}" for header, value in given)
        )
    return values, kept


_HTML_BREAKS = re.compile(r"<\s*(?:br\s*/?|/p|/div|/li)\s*>", re.IGNORECASE)


def _plain(text: str) -> str:
    """Notes exported as HTML (Odoo's, "<p>Deux enfants</p>") as the text they show."""
    if "<" not in text or ">" not in text:
        return text
    bare = nh3.clean(_HTML_BREAKS.sub("\n", text), tags=set())
    return "\n".join(line.strip() for line in html.unescape(bare).splitlines() if line.strip())


def _check(values: dict[str, str], ctx: _Context) -> tuple[dict[str, Any], list[tuple[str, dict]], list[tuple]]:
    """The row's values for the models, what is wrong with it (nothing when it is good), and the values it keeps in
    the notes because no choice was sure: (field, value) pairs."""
    problems: list[tuple[str, dict]] = []
    unmapped: list[tuple[str, str]] = []
    out: dict[str, Any] = {}

    if values.get("full_name") and not (values.get("first_name") or values.get("last_name")):
        values = dict(values)
        values["first_name"], values["last_name"] = vocabulary.split_full_name(values["full_name"])
    out["first_name"], out["last_name"] = values.get("first_name", ""), values.get("last_name", "")

    for name, max_length in ctx.max_lengths.items():
        if len(values.get(name, "")) > max_length:
            problems.append(("too_long", {"field": name, "length": len(values[name]), "max": max_length}))

    email = values.get("email", "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(("bad_email", {"value": values["email"]}))
    if not (out["first_name"] or out["last_name"] or email or values.get("phone")):
        problems.append(("nobody", {}))
    out["email"] = email
    out["phone_key"] = phone_key(values.get("phone", ""))

    for name in ("first_contact_on", "last_contact_on", "settled_on"):
        text = values.get(name, "")
        out[name] = None
        if not text:
            continue
        parsed = parse_date(text)
        if parsed is None:
            problems.append(("not_a_date", {"field": name, "value": text}))
        elif parsed > ctx.today:
            problems.append(("future", {"field": name, "value": parsed.strftime("%d/%m/%Y")}))
        else:
            out[name] = parsed
    if out["first_contact_on"] and out["settled_on"] and out["settled_on"] < out["first_contact_on"]:
        problems.append(
            (
                "settled_before_contact",
                {
                    "settled": out["settled_on"].strftime("%d/%m/%Y"),
                    "first": out["first_contact_on"].strftime("%d/%m/%Y"),
                },
            )
        )

    for name in ("source", "activity", "current_country", "villages_of_interest"):
        text = values.get(name, "")
        out[name] = ""
        if text:
            found = ctx.choice(name, text)
            if found:
                out[name] = found
            elif name == "current_country":
                out[name] = text  # a country's name as written is still its name
                if found is None:
                    unmapped.append((name, text))
            elif found is None or found == "":
                unmapped.append((name, text))

    advisor_text = values.get("advisor", "")
    out["advisor"] = ctx.default_advisor
    if advisor_text:
        found = ctx.choice("advisor", advisor_text)
        if found:
            out["advisor"] = ctx.people.users[found]
        else:
            unmapped.append(("advisor", advisor_text))

    commune_text = values.get("settled_commune", "")
    out["settled_commune"] = None
    if commune_text:
        found = ctx.choice("settled_commune", commune_text)
        if found:
            out["settled_commune"] = ctx.communes.by_code[found]
        elif found is None:
            suggestion = ctx.communes.suggest(commune_text)
            code = "several_communes" if suggestion.target else "unknown_commune"
            problems.append((code, {"value": commune_text, "departement": ctx.territory.departement}))

    for name in ("settled_people", "household_size"):
        text = values.get(name, "")
        out[name] = None
        if text:
            if re.fullmatch(r"[0-9]{1,2}", text.strip()) and 1 <= int(text) <= 99:
                out[name] = int(text)
            elif name == "settled_people":
                problems.append(("bad_number", {"field": name, "value": text}))
            else:
                unmapped.append((name, text))

    stage_text = values.get("stage", "")
    settling_given = any(values.get(name) for name in ("settled_on", "settled_commune", "settled_people"))
    # A spreadsheet with settling columns but no stage: the filled ones are settled households.
    default_stage = Stage.SETTLED if settling_given else Stage.NEW
    out["stage"] = default_stage
    if stage_text:
        found = ctx.choice("stage", stage_text)
        if found:
            out["stage"] = Stage(found)
        else:
            unmapped.append(("stage", stage_text))
    if out["stage"] == Stage.SETTLED:
        if not values.get("settled_on") or not values.get("settled_commune"):
            # the programme's first figure: a settling is counted only with its commune and its date
            problems.append(("settled_incomplete", {}))
        elif out["settled_people"] is None and out["household_size"]:
            out["settled_people"] = out["household_size"]
    elif settling_given:
        problems.append(("settling_not_settled", {"stage": str(out["stage"])}))

    children = values.get("children", "")
    out["children"] = []
    if children:
        parsed_children = vocabulary.parse_children(children)
        if parsed_children is None:
            unmapped.append(("children", children))
        else:
            out["children"] = parsed_children
    return out, problems, unmapped


def _kept_lines(unmapped: list[tuple[str, str]], kept: list[tuple[str, str]], headers_of: dict[str, str]) -> list[str]:
    """The row's values that no field holds, as lines for the notes ("Activité : Consultant en informatique"), under
    the file's own headers."""
    lines = [
        _("%(header)s: %(value)s") % {"header": headers_of.get(name, name), "value": value} for name, value in unmapped
    ]
    lines += [_("%(header)s: %(value)s") % {"header": header, "value": value} for header, value in kept]
    return lines


def _people(values: dict[str, str], checked: dict[str, Any], ref_year: int) -> list[Person]:
    """The main contact, the partner (a second adult) and the children of a row; bulk_create skips Person.save(),
    so the matching keys are filled here."""
    people = [
        Person(
            is_main_contact=True,
            first_name=checked["first_name"],
            last_name=checked["last_name"],
            email=checked["email"],
            phone=values.get("phone", ""),
        )
    ]
    if partner := values.get("partner", "").strip():
        first, last = vocabulary.split_full_name(partner)
        people.append(Person(first_name=first[:80], last_name=last[:80]))
    for child in checked["children"]:
        birth = ref_year - child.age if child.age is not None else None
        people.append(Person(kind=Person.Kind.CHILD, first_name=child.first_name[:80], birth_year=birth))
    return [person.fill_keys() for person in people]


def _new_household(
    territory: Territory,
    values: dict[str, str],
    checked: dict[str, Any],
    stage_reason: str,
    kept: list[str],
    order: int,
    line: int,
    row_hash: str,
    today: date,
) -> _NewHousehold:
    first_contact = checked["first_contact_on"] or today
    last_contact = max(d for d in (first_contact, checked["last_contact_on"], checked["settled_on"]) if d)
    stage = checked["stage"]
    household = Household(
        territory=territory,
        stage=stage,
        stage_reason=(values.get("stage_reason") or stage_reason)[:300] if stage in STAGES_WITH_REASON else "",
        advisor=checked["advisor"],
        source=checked["source"],
        activity=checked["activity"],
        sector=values.get("sector", ""),
        current_town=values.get("current_town", ""),
        current_country=checked["current_country"],
        first_contact_on=first_contact,
        last_contact_on=last_contact,
        settled_on=checked["settled_on"],
        settled_commune=checked["settled_commune"],
        settled_people=checked["settled_people"],
        language=settings.LANGUAGE_CODE,
        external_ref=values.get("external_ref", "")[:100],
    )
    people = _people(values, checked, first_contact.year)
    villages = [int(pk) for pk in checked["villages_of_interest"].split(",") if pk]
    notes = [values.get("notes", ""), *kept]
    return _NewHousehold(order, line, row_hash, values, household, people, kept, villages, notes)


def _duplicate_keys(email: str, key_of_phone: str, first_name: str, last_name: str, town: str) -> list[tuple]:
    """The keys find_duplicate matches on: email, normalised phone, and names with town when all three are given."""
    keys: list[tuple] = []
    if email:
        keys.append(("email", email))
    if key_of_phone:
        keys.append(("phone", key_of_phone))
    if first_name.strip() and last_name.strip() and town.strip():
        keys.append(("name", name_key(f"{first_name} {last_name}"), fold(town)))
    return keys


def _target_order(target: int | _NewHousehold) -> tuple[int, int]:
    # As find_duplicate: the oldest household wins; households of the territory before those of the file.
    return (0, target) if isinstance(target, int) else (1, target.order)


def _last_imported_rows(household_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """For each household, the row of the file its latest import read (to tell what changed in the file since)."""
    rows: dict[int, dict[str, str]] = {}
    for batch in _batches(list(household_ids), BATCH_SIZE):
        entries = (
            Interaction.objects.filter(household_id__in=batch, data__import__row_hash__isnull=False)
            .order_by("household_id", "occurred_at", "pk")
            .values_list("household_id", "data")
        )
        for household_id, data in entries:
            row = (data or {}).get("import", {}).get("row")
            if isinstance(row, dict) and not data.get("possible_duplicate"):  # not another file's row attached here
                rows[household_id] = row
    return rows


def import_prospects(
    source: str | Path | IO[bytes] | bytes,
    territory: Territory,
    *,
    file_name: str = "",
    mapping: dict[str, str | None] | None = None,
    values: dict[str, dict[str, str | None]] | None = None,
    default_advisor=None,
    mode: str = Mode.ALL_OR_NOTHING,
    dry_run: bool = False,
    actor=None,
    progress: Callable[[int, int], None] | None = None,
    run: str = "",
    still_wanted: Callable[[], bool] | None = None,
) -> ImportReport:
    """Import a CSV or XLSX file of prospects into `territory` and say what was done.

    `mapping` gives the field of some columns ({"header": "field"}), `values` what some values of the choice columns
    mean ({"header or field": {"value": "choice"}}); the other columns and values are recognised when the import is
    sure of them, and what it cannot map is kept in the files' notes. An advisor that is nobody of the territory's
    team leaves the file with `default_advisor` (or unassigned), the name kept.

    "all_or_nothing" writes nothing when any row is rejected; "valid_only" imports the good rows. A dry run checks and
    counts, and writes nothing. `progress(done, total)` is called every 500 rows and at the end.

    `run` names this import's writes (an ImportJob's is `job_run(job.pk)`): what an earlier, interrupted run of the
    same name wrote is deleted first, so that running it again after a crash writes each row once (a run that had
    finished is recognised: its rows count as already imported). `still_wanted()` is asked before each write
    transaction; False gives the import up (ImportCancelled), its writes undone.
    Raises ImportFileError when the file itself cannot be imported."""
    mode = Mode(mode)
    if run and not dry_run and not import_finished(run):
        undo_import(run, territory)
    run = run or uuid4().hex
    actor = actor if getattr(actor, "is_authenticated", False) else None
    if not file_name:
        file_name = Path(source).name if isinstance(source, str | Path) else getattr(source, "name", "") or "?"
        file_name = Path(file_name).name
    table = read_table(source)
    columns = guess_mapping(table.headers, mapping)
    report = ImportReport(
        file_name=file_name,
        rows=len(table.rows),
        dry_run=dry_run,
        mode=mode,
        columns={table.headers[i]: name for i, name in columns.items() if name != KEEP},
        ignored_columns=[h for i, h in enumerate(table.headers) if h and i not in columns],
        kept_columns=[table.headers[i] for i, name in columns.items() if name == KEEP],
        headers=table.headers,
    )
    headers_of = {name: table.headers[i] for i, name in columns.items() if name != KEEP}
    total = len(table.rows)
    ctx = _Context(territory, _values_by_column(values or {}, columns, table.headers), default_advisor)
    with translation.override(settings.LANGUAGE_CODE):
        # Stored texts are in the team's language, whatever the language of the person importing.
        stage_reason = (_("Imported from %(file)s") % {"file": file_name})[:300]

    # Checking only reads: it runs outside any transaction, so that its progress can be seen by others and nobody's
    # saving waits for it (SQLite has one writer). Writing is in short transactions, undone together on a failure.
    # Keys of the territory's households, then of the file's rows as they are read: key → household.
    known: dict[tuple, int | _NewHousehold] = {}
    people = Person.objects.filter(in_work("household__"), household__territory=territory)
    for household_id, email, key_of_phone, key_of_name, town in people.order_by("household_id").values_list(
        "household_id", "email", "phone_key", "name_key", "household__current_town"
    ):
        if email:
            known.setdefault(("email", email.strip().lower()), household_id)
        if key_of_phone:
            known.setdefault(("phone", key_of_phone), household_id)
        if key_of_name and fold(town):
            known.setdefault(("name", key_of_name, fold(town)), household_id)
    imported: set[str] = set()
    for row_hash, member_hashes in Interaction.objects.filter(
        household__territory=territory, data__import__row_hash__isnull=False
    ).values_list("data__import__row_hash", "data__import__member_hashes"):
        imported.add(row_hash)
        imported.update(member_hashes if isinstance(member_hashes, list) else ())
    by_ref: dict[str, int] = {}
    if "external_ref" in columns.values():
        by_ref = dict(
            Household.objects.filter(in_work(), territory=territory)
            .exclude(external_ref="")
            .values_list("external_ref", "pk")
        )

    created: list[_NewHousehold] = []
    attached_to_existing: dict[int, list[_Attachment]] = {}
    updates: list[_Update] = []
    families: dict[str, int | _NewHousehold] = {}  # the household column's value → its household
    refs_seen: dict[str, _NewHousehold | _Update | int] = {}
    previous_row: _NewHousehold | None = None
    with translation.override(settings.LANGUAGE_CODE):
        for done, (line, cells) in enumerate(table.rows, start=1):
            values_of_row, kept_cells = _values_by_field(columns, table.headers, cells)
            checked, problems, unmapped = _check(values_of_row, ctx)
            row_hash = _row_hash(values_of_row | {"_kept": kept_cells} if kept_cells else values_of_row)
            values_of_row = values_of_row | {"first_name": checked["first_name"], "last_name": checked["last_name"]}
            ref = values_of_row.get("external_ref", "").strip()
            family = key(values_of_row.get("household", ""))
            if kept_cells and not any(values_of_row.values()) and previous_row is not None:
                # A row with only columns kept in the notes ("Tags"), under a row it continues (Odoo writes a lead's
                # second tag so): kept with that row's file.
                continued = _kept_lines([], kept_cells, headers_of)
                previous_row.kept += continued
                previous_row.notes += continued
                continue
            previous_row = None
            if key(values_of_row.get("contact_type", "")) in ORGANISATIONS:
                report.skipped.append(line)  # an organisation's row in a contacts export: not a prospect
            elif problems:
                report.problems[line] = problems
                report.rejected_cells[line] = cells
            elif row_hash in imported:
                report.already_imported += 1
            else:
                for name, value in unmapped:
                    counted = report.unmapped.setdefault(name, {})
                    counted[value] = counted.get(value, 0) + 1
                kept = _kept_lines(unmapped, kept_cells, headers_of)
                if ref and ref in by_ref and ref not in refs_seen:
                    update = _Update(by_ref[ref], line, row_hash, values_of_row, checked, [], kept)
                    updates.append(update)
                    refs_seen[ref] = update
                    continue
                keys = _duplicate_keys(
                    checked["email"],
                    checked["phone_key"],
                    checked["first_name"],
                    checked["last_name"],
                    values_of_row.get("current_town", ""),
                )
                if family and family in families and not isinstance(families[family], int):
                    # Another person of a household the file has already given: a member, not a duplicate.
                    target = families[family]
                    first_year = target.household.first_contact_on.year
                    target.people += [
                        person for person in _people(values_of_row, checked, first_year) if person.kind == "adult"
                    ]
                    target.people[-1].is_main_contact = False
                    target.member_lines.append(line)
                    target.member_hashes.append(row_hash)
                    target.kept += kept
                    target.notes += [values_of_row.get("notes", ""), *kept]
                    report.members += 1
                    for found in keys:
                        known.setdefault(found, target)
                    continue
                matches = [known[found] for found in keys if found in known]
                if matches:
                    target = min(matches, key=_target_order)
                    attachment = _Attachment(line, values_of_row, row_hash, kept)
                    if isinstance(target, int):
                        attached_to_existing.setdefault(target, []).append(attachment)
                    else:
                        target.attached.append(attachment)
                    report.attached += 1
                else:
                    target = _new_household(
                        territory, values_of_row, checked, stage_reason, kept, len(created), line, row_hash, ctx.today
                    )
                    created.append(target)
                    previous_row = target
                    if ref:
                        refs_seen[ref] = target
                if family:
                    families.setdefault(family, target)
                for found in keys:
                    known.setdefault(found, target)
            if progress and done % PROGRESS_EVERY == 0:
                progress(done, total)
    # The reasons in the language of the person importing (the stored texts above are in the team's).
    report.rejected = [Rejection(line, word_problems(problems)) for line, problems in report.problems.items()]
    report.created = len(created)
    previous = _last_imported_rows(update.household_id for update in updates)
    for update in updates:
        before = previous.get(update.household_id, {})
        update.changed = [name for name, value in update.values.items() if before.get(name, "") != value]
    unchanged = [update for update in updates if not (update.changed or update.kept)]
    updates = [update for update in updates if update.changed or update.kept]
    report.updated = len(updates)
    report.already_imported += len(unchanged)

    writing = created or attached_to_existing or updates
    if not dry_run and (mode == Mode.VALID_ONLY or not report.rejected) and writing:

        def go_on() -> None:
            if still_wanted is not None and not still_wanted():
                raise ImportCancelled(run)

        try:
            _write_new(created, file_name, actor, run, go_on)
            with transaction.atomic():
                # Last, and together: the changes to the households already there, and the log entry that says the
                # run is complete (`import_finished`).
                go_on()
                _write_attachments(attached_to_existing, file_name, actor, run)
                _write_updates(updates, file_name, stage_reason, actor, run)
                log_action(
                    actor,
                    "prospects.imported",
                    territory,
                    {
                        "file": file_name,
                        "mode": str(mode),
                        "rows": report.rows,
                        "created": report.created,
                        "attached": report.attached,
                        "updated": report.updated,
                        "already_imported": report.already_imported,
                        "rejected": len(report.rejected),
                        "run": run,
                    },
                    territory=territory,
                )
        except BaseException:
            _undo_after_failure(run, territory)
            raise
        report.written = True
    if progress:
        progress(total, total)
    return report


def _values_by_column(
    values: dict[str, dict[str, str | None]], columns: dict[int, str], headers: list[str]
) -> dict[str, dict[str, str | None]]:
    """Value mappings keyed by the file's header (or by the field's name) → keyed by field."""
    fields_of = {key(headers[i]): name for i, name in columns.items()}
    by_field: dict[str, dict[str, str | None]] = {}
    for column, choices in values.items():
        name = fields_of.get(key(column)) or (column if column in FIELDS else None)
        if name is None:
            raise ImportFileError(
                _("The values file names a column “%(header)s” that the file does not have.") % {"header": column}
            )
        by_field.setdefault(name, {}).update(choices)
    return by_field


def _row_entry(
    summary: str, file_name: str, line: int, row: dict, row_hash: str, now: datetime, actor, run: str, **extra
):
    """The timeline entry of a row of a file: what the file said (`data.import.row`), so that the next version of
    the file can tell what changed, and its hash, so that importing it again skips it; and the run that wrote it."""
    data = {"file": file_name, "line": line, "row": row, "row_hash": row_hash, "run": run}
    return Interaction(
        kind=Interaction.Kind.NOTE,
        occurred_at=now,
        author=actor,
        summary=summary,
        data={"import": data | extra.pop("more", {}), **extra},
    )


def _import_note(new: _NewHousehold, file_name: str, now: datetime, actor, run: str) -> Interaction:
    summary = _("Imported from %(file)s, line %(line)s.") % {"file": file_name, "line": new.line}
    if new.member_lines:
        summary += " " + _("Members of the household on lines %(lines)s.") % {
            "lines": ", ".join(str(line) for line in new.member_lines)
        }
    if new.kept:
        summary += "\n" + _("Kept from the file:") + "\n" + "\n".join(new.kept)
    # `new`: this entry's household is one the run created (what `undo_import` deletes).
    more = {"new": True} | ({"member_hashes": new.member_hashes} if new.member_hashes else {})
    return _row_entry(summary, file_name, new.line, new.values, new.row_hash, now, actor, run, more=more)


def _closing_entry(household: Household, file_name: str, actor, run: str) -> Interaction | None:
    """A file imported on hold or dropped closes on the day of its last contact (for the dashboard's "followed")."""
    if household.stage not in (Stage.ON_HOLD, Stage.DROPPED):
        return None
    day = household.last_contact_on
    return Interaction(
        kind=Interaction.Kind.STAGE,
        occurred_at=timezone.make_aware(datetime.combine(day, time(12))),
        author=actor,
        summary=_("Stage: %(before)s → %(after)s.") % {"before": Stage.NEW.label, "after": Stage(household.stage).label}
        + " "
        + _("(from %(file)s)") % {"file": file_name},
        data={"from": str(Stage.NEW), "to": str(household.stage), "import": {"file": file_name, "run": run}},
    )


def _write_new(created: list[_NewHousehold], file_name: str, actor, run: str, go_on: Callable[[], None]) -> None:
    """The new households, WRITE_BATCH a transaction: each batch is prepared first, so that the lock is held only
    while it is inserted, and a pause between two batches lets the other writers of a SQLite database in."""
    if created and not connection.features.can_return_rows_from_bulk_insert:
        raise RuntimeError("The import needs a database that returns the ids of bulk inserts (SQLite >= 3.35).")
    now = timezone.now()
    through = Household.villages_of_interest.through
    with translation.override(settings.LANGUAGE_CODE):
        for number, batch in enumerate(_batches(created, WRITE_BATCH)):
            if number:
                _pause()
            go_on()
            interactions = []
            for new in batch:
                household = new.household
                household.notes = "\n".join(dict.fromkeys(part for part in new.notes if part))
                notes = [_import_note(new, file_name, now, actor, run)]
                notes += [_attachment_note(a, file_name, now, actor, run) for a in new.attached]
                if closing := _closing_entry(household, file_name, actor, run):
                    notes.append(closing)
                household.possible_duplicate = bool(new.attached)
                household.search_text = household.build_search_text(new.people, [n.summary for n in notes])
                interactions.append((household, notes))
            with transaction.atomic():
                Household.objects.bulk_create([new.household for new in batch])
                for new in batch:
                    for person in new.people:
                        person.household_id = new.household.pk
                Person.objects.bulk_create([person for new in batch for person in new.people])
                through.objects.bulk_create(
                    [through(household_id=new.household.pk, village_id=pk) for new in batch for pk in new.villages]
                )
                for household, notes in interactions:
                    for note in notes:
                        note.household = household
                Interaction.objects.bulk_create([note for _h, notes in interactions for note in notes])


def _write_attachments(attached_to_existing: dict[int, list[_Attachment]], file_name: str, actor, run: str) -> None:
    """Rows matching a household already there: in its timeline, the household flagged as a possible duplicate."""
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        for batch in _batches(list(attached_to_existing.items()), BATCH_SIZE):
            notes_of = {
                pk: [_attachment_note(a, file_name, now, actor, run) for a in attachments] for pk, attachments in batch
            }
            households = list(Household.objects.filter(pk__in=notes_of).only("pk", "search_text"))
            for household in households:
                for note in notes_of[household.pk]:
                    note.household = household
                household.possible_duplicate = True
                household.updated_at = now
                household.search_text = fold(
                    " ".join([household.search_text, *(n.summary for n in notes_of[household.pk])])
                )
            Household.objects.bulk_update(households, ["possible_duplicate", "search_text", "updated_at"])
            Interaction.objects.bulk_create([note for notes in notes_of.values() for note in notes])


def _pause() -> None:
    """Between two write transactions on SQLite: the writers waiting for the lock take it now."""
    if WRITE_PAUSE and connection.vendor == "sqlite" and not connection.in_atomic_block:
        sleep(WRITE_PAUSE)


def job_run(job_id: int) -> str:
    """The run name of an ImportJob's import: its writes are found again by it, after a crash."""
    return f"job-{job_id}"


def import_finished(run: str) -> bool:
    """Whether the import `run` wrote all it had to: its log entry is written with its last transaction."""
    return ActionLog.objects.filter(action="prospects.imported", data__run=run).exists()


def undo_import(run: str, territory: Territory | None = None) -> int:
    """Deletes the households an unfinished import `run` created (people, villages and timeline with them), in
    short transactions; the households already there are changed only by the run's last transaction, so they have
    nothing to undo. Returns how many households were deleted."""
    entries = Interaction.objects.filter(data__import__run=run, data__import__new=True)
    if territory is not None:
        entries = entries.filter(household__territory=territory)
    ids = sorted(set(entries.values_list("household_id", flat=True)))
    for number, batch in enumerate(_batches(ids, WRITE_BATCH)):
        if number:
            _pause()
        with transaction.atomic():
            Household.objects.filter(pk__in=batch).delete()
    if ids:
        log_action(
            None, "prospects.import_undone", territory, {"run": run, "households": len(ids)}, territory=territory
        )
    return len(ids)


def _undo_after_failure(run: str, territory: Territory) -> None:
    try:
        undo_import(run, territory)
    except Exception:  # the database itself failed: the next run of the job, or the hourly clean-up, undoes it
        logging.getLogger(__name__).exception("The writes of the failed import %s could not be undone", run)


# The fields an updated row changes, and the household's or main contact's fields they set.
_UPDATED_HOUSEHOLD_FIELDS = {
    "current_town": "current_town",
    "current_country": "current_country",
    "sector": "sector",
    "source": "source",
    "activity": "activity",
    "advisor": "advisor",
    "stage": "stage",
    "stage_reason": "stage_reason",
    "first_contact_on": "first_contact_on",
    "last_contact_on": "last_contact_on",
    "settled_on": "settled_on",
    "settled_commune": "settled_commune",
    "settled_people": "settled_people",
    "household_size": "settled_people",
}
_UPDATED_PERSON_FIELDS = ("first_name", "last_name", "full_name", "email", "phone")


def _write_updates(updates: list[_Update], file_name: str, stage_reason: str, actor, run: str) -> None:
    """Rows of a file imported before, changed since: only the fields that changed in the file are set again (what
    the team changed in the platform meanwhile stays), and the change is in the file's timeline."""
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        for batch in _batches(updates, BATCH_SIZE):
            households = Household.objects.in_bulk([update.household_id for update in batch])
            mains = {
                person.household_id: person
                for person in Person.objects.filter(household_id__in=households, is_main_contact=True)
            }
            changed_households, changed_people, notes = set(), set(), []
            for update in batch:
                household, checked = households[update.household_id], update.checked
                stage_before = household.stage
                fields_changed = []
                for name in update.changed:
                    if name in _UPDATED_HOUSEHOLD_FIELDS:
                        target = _UPDATED_HOUSEHOLD_FIELDS[name]
                        value = checked.get(name) if name in checked else update.values.get(name, "")
                        if name == "stage_reason":
                            value = update.values.get(name, "")[:300]
                        if value is None and target not in ("settled_on", "settled_commune", "settled_people"):
                            continue  # a date or choice the file no longer gives is not erased
                        setattr(household, target, value)
                        fields_changed.append(name)
                    elif name in _UPDATED_PERSON_FIELDS and (main := mains.get(household.pk)):
                        main.first_name, main.last_name = checked["first_name"], checked["last_name"]
                        main.email, main.phone = checked["email"], update.values.get("phone", "")
                        main.fill_keys()
                        changed_people.add(main)
                        fields_changed.append(name)
                    elif name == "notes":
                        household.notes = "\n".join(p for p in (household.notes, update.values.get("notes", "")) if p)
                        fields_changed.append(name)
                if update.kept:
                    household.notes = "\n".join(p for p in (household.notes, *update.kept) if p)
                household.last_contact_on = max(household.last_contact_on, household.first_contact_on)
                if household.stage in STAGES_WITH_REASON and not household.stage_reason:
                    household.stage_reason = stage_reason
                elif household.stage not in STAGES_WITH_REASON:
                    household.stage_reason = ""
                if household.stage != stage_before:
                    notes.append(
                        Interaction(
                            household=household,
                            kind=Interaction.Kind.STAGE,
                            occurred_at=now,
                            author=actor,
                            summary=_("Stage: %(before)s → %(after)s.")
                            % {"before": Stage(stage_before).label, "after": Stage(household.stage).label}
                            + " "
                            + _("(from %(file)s)") % {"file": file_name},
                            data={
                                "from": str(stage_before),
                                "to": str(household.stage),
                                "import": {"file": file_name, "run": run},
                            },
                        )
                    )
                labels = ", ".join(field_label(name) for name in dict.fromkeys(fields_changed)) or "—"
                summary = _("Updated from %(file)s, line %(line)s: %(fields)s.") % {
                    "file": file_name,
                    "line": update.line,
                    "fields": labels,
                }
                if update.kept:
                    summary += "\n" + _("Kept from the file:") + "\n" + "\n".join(update.kept)
                entry = _row_entry(
                    summary,
                    file_name,
                    update.line,
                    update.values,
                    update.row_hash,
                    now,
                    actor,
                    run,
                    more={"changed": fields_changed},
                )
                entry.household = household
                notes.append(entry)
                household.updated_at = now
                changed_households.add(household)
            Household.objects.bulk_update(
                list(changed_households),
                [*dict.fromkeys(_UPDATED_HOUSEHOLD_FIELDS.values()), "notes", "updated_at"],
            )
            if changed_people:
                Person.objects.bulk_update(
                    list(changed_people), ["first_name", "last_name", "email", "phone", "phone_key", "name_key"]
                )
            Interaction.objects.bulk_create(notes)
            for household in changed_households:
                household.refresh_search_text()


def _attachment_note(attachment: _Attachment, file_name: str, now: datetime, actor, run: str) -> Interaction:
    values = attachment.values
    who = ", ".join(
        part
        for part in (
            f"{values.get('first_name', '')} {values.get('last_name', '')}".strip(),
            values.get("email", ""),
            values.get("phone", ""),
            values.get("current_town", ""),
        )
        if part
    )
    summary = _(
        "Line %(line)s of %(file)s matches this file (%(who)s): imported here rather than as a new file, check it."
    ) % {"line": attachment.line, "file": file_name, "who": who}
    if values.get("notes"):
        summary += "\n" + values["notes"]
    if attachment.kept:
        summary += "\n" + "\n".join(attachment.kept)
    return _row_entry(
        summary, file_name, attachment.line, values, attachment.row_hash, now, actor, run, possible_duplicate=True
    )


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
