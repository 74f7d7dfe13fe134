"""Import of the programme's existing spreadsheets (CSV or XLSX) into prospects, history included.

Two passes: every row is read, checked and matched against the territory's households first; only then is anything
written, in one transaction, so that "all or nothing" never leaves a half-imported file. Duplicates follow the rules
of `services.find_duplicate` (same email, same normalised phone, or same names and town), but on keys held in memory:
one query per row would make a 10,000-row file take minutes.

A row identical to one an earlier import wrote is skipped, so that importing a file again after fixing its rejected
rows does not flag every household as a possible duplicate. No consent is recorded: a spreadsheet is no consent.

Line numbers are those a spreadsheet shows: the header is line 1, the first data row line 2.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from sohosolo.accounts.models import STAFF_ROLES, Role
from sohosolo.lib.text import fold, name_key, phone_key
from sohosolo.privacy.audit import log_action
from sohosolo.prospects.models import STAGES_WITH_REASON, Activity, Household, Interaction, Person, Source, Stage
from sohosolo.territory.models import Commune, Territory

BATCH_SIZE = 500
PROGRESS_EVERY = 500


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (unreadable, no usable column, bad mapping)."""


class Mode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    VALID_ONLY = "valid_only"


# The fields an import can fill, with the headers recognised without a mapping (compared folded: case, accents and
# punctuation ignored, so "E-mail", "e_mail" and "EMAIL" are one).
FIELDS: dict[str, str] = {
    "first_name": "prenom|prenoms|first name|firstname|given name",
    "last_name": "nom|nom de famille|last name|lastname|surname|family name",
    "email": "email|e mail|courriel|mail|adresse email|adresse e mail|adresse mail|email address",
    "phone": "telephone|tel|phone|phone number|numero de telephone|portable|mobile",
    "current_town": "ville|town|city|commune actuelle|ville actuelle|ville de residence|current town|town of residence",
    "current_country": "pays|country|pays actuel|pays de residence|current country|country of residence",
    "first_contact_on": "premier contact|date de premier contact|date du premier contact|date premier contact|"
    "first contact|first contact date|first contact on",
    "stage": "etape|statut|stage|status",
    "advisor": "conseiller|conseillere|conseiller e|advisor|adviser",
    "source": "source|origine|how they heard of us",
    "activity": "activite|type d activite|activity",
    "sector": "secteur|secteur d activite|sector",
    "settled_on": "installe le|installee le|installe e le|date d installation|date installation|settled on|"
    "settled date",
    "settled_commune": "commune d installation|commune installation|settled in|settled commune|settling commune",
    "settled_people": "personnes installees|nombre de personnes installees|nb personnes installees|people settled|"
    "number of people settled",
    "notes": "notes|note|remarques|commentaires|comments",
}

# Words the programme's spreadsheets use beside the application's labels (which are recognised in French and English).
STAGE_ALIASES = {
    Stage.NEW: "nouveau|nouvelle|nouveau contact",
    Stage.FIRST_INTERVIEW: "premier entretien|entretien",
    Stage.FOLLOW_UP: "suivi|suivi actif|en suivi",
    Stage.VISIT: "visite|sejour decouverte|sejour de decouverte",
    Stage.SETTLED: "installe|installee|installes|installees",
    Stage.ON_HOLD: "en attente|en pause|pause",
    Stage.DROPPED: "abandon|abandonne|abandonnee|abandonnes",
}
SOURCE_ALIASES = {
    Source.WEBSITE: "site|site internet|site web",
    Source.SEARCH: "moteur de recherche|google",
    Source.PRESS: "presse|radio|television|tele",
    Source.SOCIAL: "reseaux sociaux|facebook|instagram",
    Source.FAIR: "salon|foire",
    Source.WORD_OF_MOUTH: "bouche a oreille|amis|famille",
    Source.PARTNER: "partenaire",
    Source.VILLAGE: "village partenaire",
    Source.OTHER: "autre",
}
ACTIVITY_ALIASES = {
    Activity.REMOTE_EMPLOYEE: "teletravail|salarie en teletravail",
    Activity.FREELANCER: "independant|freelance",
    Activity.CREATION: "creation|creation d entreprise",
    Activity.TAKEOVER: "reprise|reprise d entreprise",
    Activity.CRAFT: "artisanat|artisan",
    Activity.ART: "artiste",
    Activity.CONSULTING: "conseil",
    Activity.OTHER: "autre",
}


def _key(text: str) -> str:
    """Header or label reduced for comparison: folded, punctuation as spaces ("Installé(e) le" → "installe e le")."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text)).split())


_ALIASES = {_key(alias): name for name, aliases in FIELDS.items() for alias in aliases.split("|")}


def field_label(name: str) -> str:
    """The field's name as the application shows it, in the active language ("First contact")."""
    model = Person if name in ("first_name", "last_name", "email", "phone") else Household
    return str(capfirst(model._meta.get_field(name).verbose_name))


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


def _csv_lines(text: str) -> Iterator[tuple[int, list[str]]]:
    if "\x00" in text:
        raise ImportFileError(_("This file is neither a CSV file nor an XLSX file."))
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(";,\t", key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # A record is one spreadsheet row, even when a quoted cell spans several lines of text.
        for number, cells in enumerate(reader, start=1):
            yield number, [cell.strip() for cell in cells]
    except csv.Error as error:
        raise ImportFileError(_("This CSV file cannot be read: %(error)s") % {"error": error}) from error


def _xlsx_lines(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (zip, XML, key errors) for a damaged file
        raise ImportFileError(_("This file cannot be read as an XLSX spreadsheet.")) from error
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write wrong dimensions; read what is really there
        return [
            (number, [_cell_text(value) for value in values])
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
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
    return str(value).strip()


# Mapping ----------------------------------------------------------------------------------------------------------


def load_mapping(path: str | Path) -> dict[str, str | None]:
    """A mapping saved as JSON: {"header in the file": "field", …}; null or "" ignores a column."""
    try:
        mapping = json.loads(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, ValueError) as error:
        raise ImportFileError(_("The mapping file cannot be read: %(error)s") % {"error": error}) from error
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()
    ):
        raise ImportFileError(_('The mapping file must hold one object: {"header in the file": "field", …}.'))
    return mapping


def guess_mapping(headers: list[str], mapping: dict[str, str | None] | None = None) -> dict[int, str]:
    """Column index → field: the columns named in `mapping` as it says, the others by their header when it is a
    known one (French or English). Raises ImportFileError on an unknown field or column, or a field given twice."""
    explicit = {_key(header): (header, target or None) for header, target in (mapping or {}).items()}
    for _header, target in explicit.values():
        if target is not None and target not in FIELDS:
            raise ImportFileError(
                _("Unknown field “%(field)s” in the mapping; the fields are: %(fields)s.")
                % {"field": target, "fields": ", ".join(FIELDS)}
            )
    keys = [_key(header) for header in headers]
    for key, (header, _target) in explicit.items():
        if key not in keys:
            raise ImportFileError(
                _("The mapping names a column “%(header)s” that the file does not have.") % {"header": header}
            )
    given = {target for _header, target in explicit.values() if target}
    columns: dict[int, str] = {}
    for index, key in enumerate(keys):
        if key in explicit:
            target = explicit[key][1]
        else:
            target = _ALIASES.get(key)
            if target in given:
                continue  # the mapping names another column for this field
        if target is None:
            continue
        if target in columns.values():
            first = headers[next(i for i, f in columns.items() if f == target)]
            raise ImportFileError(
                _("Columns “%(first)s” and “%(second)s” both give the field “%(field)s”: give a mapping.")
                % {"first": first, "second": headers[index], "field": field_label(target)}
            )
        columns[index] = target
    if not {"first_name", "last_name", "email", "phone"} & set(columns.values()):
        raise ImportFileError(
            _(
                "No column gives a name, an email or a phone (columns found: %(headers)s). Check the headers, the "
                "separator, or give a mapping."
            )
            % {"headers": ", ".join(h for h in headers if h) or "—"}
        )
    return columns


# Values -----------------------------------------------------------------------------------------------------------

_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?: [\d:.]+)?$")
_EXCEL_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")  # 5 digits: from 1927 to 2173, never a bare year
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(text: str) -> date | None:
    """dd/mm/yyyy, dd/mm/yy, yyyy-mm-dd, or an Excel day number; None when it is none of these."""
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
        if _EXCEL_SERIAL.match(text):
            return _EXCEL_EPOCH + timedelta(days=int(float(text)))
    except (ValueError, OverflowError):
        return None
    return None


def _choice_lookup(choices: Iterable[tuple[str, Any]], aliases: dict[str, str]) -> dict[str, str]:
    """Folded code, French label, English label and aliases → code."""
    lookup = {_key(alias): value for value, words in aliases.items() for alias in words.split("|")}
    for value, label in choices:
        lookup[_key(value)] = value
        for language in ("fr", "en"):
            with translation.override(language):
                lookup.setdefault(_key(str(label)), value)
    return lookup


def _labels(choices: Iterable[tuple[str, Any]]) -> str:
    return ", ".join(str(label) for _value, label in choices)


# Import -----------------------------------------------------------------------------------------------------------


class Rejection(NamedTuple):
    line: int
    reason: str


@dataclass
class ImportReport:
    """What an import did, or would do: `created` and `attached` count the same in a dry run or a refused "all or
    nothing" import, where `written` stays False. Lines of `rejected` are the file's (header: line 1)."""

    file_name: str
    rows: int = 0
    created: int = 0
    attached: int = 0  # rows matching a household of the territory or an earlier row: attached to it, flagged
    already_imported: int = 0  # rows identical to a row an earlier import wrote: skipped
    rejected: list[Rejection] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    mode: str = Mode.ALL_OR_NOTHING
    columns: dict[str, str] = field(default_factory=dict)  # header → field
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class _Attachment:
    line: int
    values: dict[str, str]
    row_hash: str


@dataclass(eq=False)
class _NewHousehold:
    order: int
    line: int
    row_hash: str
    household: Household
    person: Person
    attached: list[_Attachment] = field(default_factory=list)


def _row_hash(values: dict[str, str]) -> str:
    """What identifies a row's content, so that importing the same file again (say, after fixing its rejected rows)
    skips the rows already imported instead of flagging every household as a possible duplicate."""
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:32]


class _Context:
    """What the checks look values up in, loaded once per import."""

    def __init__(self, territory: Territory):
        self.territory = territory
        self.today = timezone.localdate()
        self.stages = _choice_lookup(Stage.choices, STAGE_ALIASES)
        self.sources = _choice_lookup(Source.choices, SOURCE_ALIASES)
        self.activities = _choice_lookup(Activity.choices, ACTIVITY_ALIASES)
        self.advisors_by_email: dict[str, Any] = {}
        self.advisors_by_name: dict[str, list] = {}
        roles = Role.objects.filter(territory=territory, kind__in=STAFF_ROLES, user__is_active=True).select_related(
            "user"
        )
        for user in {role.user for role in roles}:
            self.advisors_by_email[user.email.lower()] = user
            self.advisors_by_name.setdefault(_key(user.full_name), []).append(user)
        self.communes_by_code: dict[str, Commune] = {}
        self.communes_by_name: dict[str, list[Commune]] = {}
        for commune in Commune.objects.in_departement(territory.departement).only("insee_code", "name"):
            self.communes_by_code[commune.insee_code.upper()] = commune
            self.communes_by_name.setdefault(name_key(commune.name), []).append(commune)
        self.max_lengths = {
            name: (Person if name in ("first_name", "last_name", "email", "phone") else Household)
            ._meta.get_field(name)
            .max_length
            for name in ("first_name", "last_name", "email", "phone", "current_town", "current_country", "sector")
        }


def _check(values: dict[str, str], ctx: _Context) -> tuple[dict[str, Any], list[str]]:
    """The row's values for the models, and the reasons to reject it (none when it is good)."""
    reasons: list[str] = []
    out: dict[str, Any] = {}

    for name, max_length in ctx.max_lengths.items():
        if len(values.get(name, "")) > max_length:
            reasons.append(
                _("%(field)s is too long (%(length)s characters, at most %(max)s).")
                % {"field": field_label(name), "length": len(values[name]), "max": max_length}
            )

    email = values.get("email", "").lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            reasons.append(_("“%(value)s” is not a valid email address.") % {"value": values["email"]})
    if not (values.get("first_name") or values.get("last_name") or email or values.get("phone")):
        reasons.append(_("No name, email or phone: at least one of them is needed."))
    out["email"] = email
    out["phone_key"] = phone_key(values.get("phone", ""))

    for name in ("first_contact_on", "settled_on"):
        text = values.get(name, "")
        out[name] = None
        if not text:
            continue
        parsed = parse_date(text)
        if parsed is None:
            reasons.append(
                _("%(field)s: “%(value)s” is not a date (expected dd/mm/yyyy or yyyy-mm-dd).")
                % {"field": field_label(name), "value": text}
            )
        elif parsed > ctx.today:
            reasons.append(
                _("%(field)s: %(date)s is in the future.")
                % {"field": field_label(name), "date": parsed.strftime("%d/%m/%Y")}
            )
        else:
            out[name] = parsed
    if out["first_contact_on"] and out["settled_on"] and out["settled_on"] < out["first_contact_on"]:
        reasons.append(
            _("Settled on %(settled)s, before the first contact on %(first)s.")
            % {"settled": out["settled_on"].strftime("%d/%m/%Y"), "first": out["first_contact_on"].strftime("%d/%m/%Y")}
        )

    for name, lookup, choices, message in (
        ("source", ctx.sources, Source.choices, _("Unknown source “%(value)s”; known sources: %(choices)s.")),
        (
            "activity",
            ctx.activities,
            Activity.choices,
            _("Unknown activity “%(value)s”; known activities: %(choices)s."),
        ),
    ):
        text = values.get(name, "")
        out[name] = lookup.get(_key(text), "") if text else ""
        if text and not out[name]:
            reasons.append(message % {"value": text, "choices": _labels(choices)})

    advisor_text = values.get("advisor", "")
    out["advisor"] = None
    if advisor_text:
        by_name = ctx.advisors_by_name.get(_key(advisor_text), [])
        if advisor := ctx.advisors_by_email.get(advisor_text.lower()):
            out["advisor"] = advisor
        elif len(by_name) == 1:
            out["advisor"] = by_name[0]
        elif by_name:
            reasons.append(
                _("Several advisors are named “%(value)s”: give the email instead.") % {"value": advisor_text}
            )
        else:
            reasons.append(
                _("Unknown advisor “%(value)s”: no advisor or manager of this territory has this email or name.")
                % {"value": advisor_text}
            )

    commune_text = values.get("settled_commune", "")
    out["settled_commune"] = None
    if commune_text:
        code = commune_text.upper()
        if len(code) == 4 and code.isdigit():
            code = "0" + code  # a spreadsheet number cell drops the leading zero of départements 01 to 09
        by_name = ctx.communes_by_name.get(name_key(commune_text), [])
        if commune := ctx.communes_by_code.get(code):
            out["settled_commune"] = commune
        elif len(by_name) == 1:
            out["settled_commune"] = by_name[0]
        elif by_name:
            reasons.append(
                _("Several communes of département %(departement)s are named “%(value)s”: give the INSEE code instead.")
                % {"value": commune_text, "departement": ctx.territory.departement}
            )
        else:
            reasons.append(
                _("Unknown commune “%(value)s” in département %(departement)s (give its name or INSEE code).")
                % {"value": commune_text, "departement": ctx.territory.departement}
            )

    people_text = values.get("settled_people", "")
    out["settled_people"] = None
    if people_text:
        if re.fullmatch(r"[0-9]{1,2}", people_text) and 1 <= int(people_text) <= 99:
            out["settled_people"] = int(people_text)
        else:
            reasons.append(
                _("%(field)s: “%(value)s” is not a whole number from 1 to 99.")
                % {"field": field_label("settled_people"), "value": people_text}
            )

    stage_text = values.get("stage", "")
    settling_given = any(values.get(name) for name in ("settled_on", "settled_commune", "settled_people"))
    if stage_text:
        out["stage"] = ctx.stages.get(_key(stage_text))
        if out["stage"] is None:
            reasons.append(
                _("Unknown stage “%(value)s”; the stages are: %(choices)s.")
                % {"value": stage_text, "choices": _labels(Stage.choices)}
            )
    else:
        # A spreadsheet with settling columns but no stage column: the filled ones are settled households.
        out["stage"] = Stage.SETTLED if settling_given else Stage.NEW
    if out["stage"] == Stage.SETTLED:
        if not values.get("settled_on") or not values.get("settled_commune"):
            reasons.append(_("A settled household needs the commune and the date of settling."))
    elif out["stage"] is not None and settling_given:
        reasons.append(
            _("Settling date, commune or number of people given, but the stage is “%(stage)s”, not settled.")
            % {"stage": Stage(out["stage"]).label}
        )
    return out, reasons


def _new_household(
    territory: Territory,
    values: dict[str, str],
    checked: dict[str, Any],
    stage_reason: str,
    order: int,
    line: int,
    row_hash: str,
    today: date,
) -> _NewHousehold:
    first_contact = checked["first_contact_on"] or today
    household = Household(
        territory=territory,
        stage=checked["stage"],
        stage_reason=stage_reason if checked["stage"] in STAGES_WITH_REASON else "",
        advisor=checked["advisor"],
        source=checked["source"],
        activity=checked["activity"],
        sector=values.get("sector", ""),
        current_town=values.get("current_town", ""),
        current_country=values.get("current_country", ""),
        first_contact_on=first_contact,
        last_contact_on=max(first_contact, checked["settled_on"] or first_contact),
        settled_on=checked["settled_on"],
        settled_commune=checked["settled_commune"],
        settled_people=checked["settled_people"],
        notes=values.get("notes", ""),
        language=settings.LANGUAGE_CODE,
    )
    first_name, last_name, phone = values.get("first_name", ""), values.get("last_name", ""), values.get("phone", "")
    # bulk_create skips Person.save(): the matching keys are set here the same way.
    person = Person(
        household=household,
        is_main_contact=True,
        first_name=first_name,
        last_name=last_name,
        email=checked["email"],
        phone=phone,
        phone_key=checked["phone_key"],
        name_key=name_key(f"{first_name} {last_name}"),
    )
    return _NewHousehold(order, line, row_hash, household, person)


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


def import_prospects(
    source: str | Path | IO[bytes] | bytes,
    territory: Territory,
    *,
    file_name: str = "",
    mapping: dict[str, str | None] | None = None,
    mode: str = Mode.ALL_OR_NOTHING,
    dry_run: bool = False,
    actor=None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import a CSV or XLSX file of prospects into `territory` and say what was done.

    "all_or_nothing" writes nothing when any row is rejected; "valid_only" imports the good rows. A dry run checks and
    counts, and writes nothing. `progress(done, total)` is called every 500 rows and at the end.
    Raises ImportFileError when the file itself cannot be imported."""
    mode = Mode(mode)
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
        columns={table.headers[i]: name for i, name in columns.items()},
        ignored_columns=[h for i, h in enumerate(table.headers) if h and i not in columns],
    )
    total = len(table.rows)
    with translation.override(settings.LANGUAGE_CODE):
        # Stored texts are in the team's language, whatever the language of the person importing.
        stage_reason = (_("Imported from %(file)s") % {"file": file_name})[:300]

    # Checking only reads: it runs outside the transaction, so that its progress can be seen by others and nobody's
    # saving waits for it (SQLite has one writer). Writing is one transaction: all of it, or nothing.
    with nullcontext():
        ctx = _Context(territory)
        # Keys of the territory's households, then of the file's rows as they are read: key → household.
        known: dict[tuple, int | _NewHousehold] = {}
        people = Person.objects.filter(household__territory=territory, household__anonymised_at__isnull=True)
        for household_id, email, key_of_phone, key_of_name, town in people.order_by("household_id").values_list(
            "household_id", "email", "phone_key", "name_key", "household__current_town"
        ):
            if email:
                known.setdefault(("email", email.strip().lower()), household_id)
            if key_of_phone:
                known.setdefault(("phone", key_of_phone), household_id)
            if key_of_name and fold(town):
                known.setdefault(("name", key_of_name, fold(town)), household_id)
        imported = set(
            Interaction.objects.filter(
                household__territory=territory, data__import__row_hash__isnull=False
            ).values_list("data__import__row_hash", flat=True)
        )

        created: list[_NewHousehold] = []
        attached_to_existing: dict[int, list[_Attachment]] = {}
        for done, (line, cells) in enumerate(table.rows, start=1):
            values = {name: cells[i] if i < len(cells) else "" for i, name in columns.items()}
            checked, reasons = _check(values, ctx)
            row_hash = _row_hash(values)
            if reasons:
                report.rejected.append(Rejection(line, " ".join(reasons)))
            elif row_hash in imported:
                report.already_imported += 1
            else:
                keys = _duplicate_keys(
                    checked["email"],
                    checked["phone_key"],
                    values.get("first_name", ""),
                    values.get("last_name", ""),
                    values.get("current_town", ""),
                )
                matches = [known[key] for key in keys if key in known]
                if matches:
                    target = min(matches, key=_target_order)
                    attachment = _Attachment(line, values, row_hash)
                    if isinstance(target, int):
                        attached_to_existing.setdefault(target, []).append(attachment)
                    else:
                        target.attached.append(attachment)
                    report.attached += 1
                else:
                    target = _new_household(
                        territory, values, checked, stage_reason, len(created), line, row_hash, ctx.today
                    )
                    created.append(target)
                for key in keys:
                    known.setdefault(key, target)
            if progress and done % PROGRESS_EVERY == 0:
                progress(done, total)
        report.created = len(created)

        if not dry_run and (mode == Mode.VALID_ONLY or not report.rejected) and (created or attached_to_existing):
            with transaction.atomic():
                _write(created, attached_to_existing, file_name, actor)
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
                        "already_imported": report.already_imported,
                        "rejected": len(report.rejected),
                    },
                    territory=territory,
                )
            report.written = True
    if progress:
        progress(total, total)
    return report


def _write(
    created: list[_NewHousehold], attached_to_existing: dict[int, list[_Attachment]], file_name: str, actor
) -> None:
    if created and not connection.features.can_return_rows_from_bulk_insert:
        raise RuntimeError("The import needs a database that returns the ids of bulk inserts (SQLite >= 3.35).")
    now = timezone.now()
    with translation.override(settings.LANGUAGE_CODE):
        for batch in _batches(created, BATCH_SIZE):
            interactions = []
            for new in batch:
                household, person = new.household, new.person
                notes = [
                    Interaction(
                        kind=Interaction.Kind.NOTE,
                        occurred_at=now,
                        author=actor,
                        summary=_("Imported from %(file)s, line %(line)s.") % {"file": file_name, "line": new.line},
                        data={"import": {"file": file_name, "line": new.line, "row_hash": new.row_hash}},
                    )
                ]
                notes += [_attachment_note(a, file_name, now, actor) for a in new.attached]
                household.possible_duplicate = bool(new.attached)
                # As Household.refresh_search_text, without its three queries per household.
                parts = [
                    household.current_town,
                    household.current_country,
                    household.sector,
                    household.notes,
                    household.project,
                    person.first_name,
                    person.last_name,
                    person.email,
                    person.phone,
                    person.phone_key,
                    *(note.summary for note in notes),
                ]
                household.search_text = fold(" ".join(p for p in parts if p))
                interactions.append((household, notes))
            Household.objects.bulk_create([new.household for new in batch])
            for new in batch:
                new.person.household_id = new.household.pk
            Person.objects.bulk_create([new.person for new in batch])
            for household, notes in interactions:
                for note in notes:
                    note.household = household
            Interaction.objects.bulk_create([note for _h, notes in interactions for note in notes])

        for batch in _batches(list(attached_to_existing.items()), BATCH_SIZE):
            notes_of = {
                pk: [_attachment_note(a, file_name, now, actor) for a in attachments] for pk, attachments in batch
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


def _attachment_note(attachment: _Attachment, file_name: str, now: datetime, actor) -> Interaction:
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
    return Interaction(
        kind=Interaction.Kind.NOTE,
        occurred_at=now,
        author=actor,
        summary=summary,
        data={
            "import": {"file": file_name, "line": attachment.line, "row": values, "row_hash": attachment.row_hash},
            "possible_duplicate": True,
        },
    )


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
