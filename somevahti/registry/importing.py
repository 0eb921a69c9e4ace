"""Reading an existing channel list from CSV or XLSX: parsing and validation only.

Nothing here touches the database: the caller passes the organisation's units,
people, audiences and existing channels as ``Lookups`` and gets back either
validated rows or every error found, each with the row number as the
spreadsheet shows it and the column name as written in the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import translation
from django.utils.translation import gettext as _

from somevahti.core.clock import HELSINKI
from somevahti.registry.models import ChannelStatus, Platform

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
HEADER_ROW = 1

# Canonical column → header names accepted (Finnish first, then English and Swedish).
_NAMES = {
    "unit": "yksikkö yksikko unit enhet",
    "platform": "alusta palvelu platform plattform",
    "name": "nimi kanava name namn",
    "handle": "tunnus käyttäjätunnus handle användarnamn",
    "url": "osoite linkki url address adress länk",
    "responsibles": "vastuuhenkilöt vastuuhenkilö responsibles responsible ansvariga ansvarig",
    "audiences": "kohderyhmät kohderyhmä audiences audience målgrupper målgrupp",
    "purpose": "tarkoitus purpose syfte",
    "target_per_week": "tavoite_viikossa target_per_week mål_per_vecka",
    "status": "tila status",
    "opened_on": "avattu opened_on opened öppnad",
    "closed_on": "suljettu closed_on closed stängd",
    "followers": "seuraajat followers följare",
    "last_activity": "viimeisin_toiminta last_activity senaste_aktivitet",
}
COLUMNS: dict[str, tuple[str, ...]] = {k: tuple(v.split()) for k, v in _NAMES.items()}
REQUIRED = ("unit", "platform", "name", "responsibles")
# The Finnish header written by the CSV export, in this order; the importer reads it back.
EXPORT_HEADERS = {key: names[0] for key, names in COLUMNS.items()}

# Finnish status names used by the export and accepted by the import.
STATUS_FI: dict[str, str] = {
    ChannelStatus.REQUESTED: "pyydetty",
    ChannelStatus.OPENING: "avautumassa",
    ChannelStatus.ACTIVE: "aktiivinen",
    ChannelStatus.UNDER_MAINTAINED: "heikosti ylläpidetty",
    ChannelStatus.DORMANT: "hiljentynyt",
    ChannelStatus.CLOSING: "sulkeutumassa",
    ChannelStatus.CLOSED: "suljettu",
}
_S = ChannelStatus
_STATUS_SYNONYMS = {"käytössä": _S.ACTIVE, "avoin": _S.ACTIVE, "lopetettu": _S.CLOSED}
_STATUS_SYNONYMS |= dict.fromkeys(("uinuva", "lepäävä", "passiivinen"), _S.DORMANT)
# Requested/opening/closing belong to workflows with their own records (request,
# IT task, closing checklist); an imported channel cannot start in the middle of one.
IMPORTABLE_STATUSES = (_S.ACTIVE, _S.UNDER_MAINTAINED, _S.DORMANT, _S.CLOSED)
_P = Platform
_PLATFORM_SYNONYMS = dict.fromkeys(("twitter", "x (twitter)", "twitter/x", "x/twitter"), _P.X)
_PLATFORM_SYNONYMS |= {"fb": _P.FACEBOOK, "ig": _P.INSTAGRAM, "tik tok": _P.TIKTOK}
_PLATFORM_SYNONYMS |= dict.fromkeys(("muu", "annan", "övrig"), _P.OTHER)
_SPLIT = re.compile(r"[;,\n]")
_FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ChannelRow:
    """One valid row, ready to be written."""

    row: int
    unit_id: int
    platform: str
    name: str
    handle: str = ""
    url: str = ""
    responsible_ids: list[int] = field(default_factory=list)
    audience_ids: list[int] = field(default_factory=list)
    purpose: str = ""
    target_per_week: Decimal = Decimal("2")
    status: str = ChannelStatus.ACTIVE
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None
    followers: int | None = None
    last_activity_at: dt.datetime | None = None


@dataclass
class Lookups:
    """What rows are matched against, all from the importing organisation."""

    units: list[tuple[int, list[str]]]  # unit id, names from the root down
    users: dict[str, int]  # casefolded username or e-mail → user id
    audiences: dict[str, int]  # casefolded name → audience id
    existing: set[tuple[str, str]]  # channel_key() of channels already registered
    today: dt.date


@dataclass
class Table:
    headers: list[str]
    rows: list[tuple[int, list[Any]]]  # (row number in the file, cell values)


@dataclass
class ImportResult:
    created: int = 0
    channel_ids: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _norm(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().strip("*").strip().casefold())


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip()).casefold()


_ALIASES = {_norm(alias): key for key, aliases in COLUMNS.items() for alias in aliases}


def channel_key(platform: str, name: str, handle: str) -> tuple[str, str]:
    """Identity used to refuse duplicates: the handle when there is one, else the name."""
    if handle.strip():
        return platform, "@" + _fold(handle).lstrip("@")
    return platform, _fold(name)


def safe_cell(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) else text


# --- reading the file -------------------------------------------------------


def _file_error(message: str) -> ValidationError:
    return ValidationError({"file": message})


def read_table(upload_name: str, data: bytes) -> Table:
    if not data:
        raise _file_error(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise _file_error(
            _("The file is too large. The limit is %(mb)s MB.") % {"mb": MAX_BYTES // 1024 // 1024}
        )
    name = upload_name.lower()
    if data.startswith(b"PK\x03\x04") or name.endswith(".xlsx"):
        table = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")):
        table = _read_csv(data)
    elif name.endswith(".xls"):
        raise _file_error(_("Old Excel files (.xls) are not supported. Save it as .xlsx or .csv."))
    else:
        raise _file_error(_("Upload a CSV or XLSX file."))
    if not any(h.strip() for h in table.headers):
        raise _file_error(_("The first row must hold the column names."))
    if not table.rows:
        raise _file_error(_("The file has no channel rows under the column names."))
    return table


def _non_empty(values: Iterable[Any]) -> bool:
    return any(v is not None and str(v).strip() for v in values)


def _too_many_rows() -> ValidationError:
    return _file_error(
        _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": MAX_ROWS}
    )


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel's plain "CSV" format saves in Windows-1252, not UTF-8.
        text = data.decode("cp1252", errors="replace")
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headers = next(reader, [])
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(reader, start=HEADER_ROW + 1):
            if _non_empty(values):
                rows.append((number, values))
                if len(rows) > MAX_ROWS:
                    raise _too_many_rows()
    except csv.Error as exc:
        raise _file_error(_("The file could not be read as CSV.")) from exc
    return Table([str(h) for h in headers], rows)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _file_error(_("The file could not be read as an Excel workbook (.xlsx).")) from exc
    try:
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        header_values = next(iterator, ())
        headers = ["" if v is None else str(v) for v in header_values]
        rows: list[tuple[int, list[Any]]] = []
        for number, values in enumerate(iterator, start=HEADER_ROW + 1):
            if _non_empty(values):
                rows.append((number, list(values)[: len(headers)]))
                if len(rows) > MAX_ROWS:
                    raise _too_many_rows()
    finally:
        workbook.close()
    return Table(headers, rows)


# --- validating rows --------------------------------------------------------


class _CellError(Exception):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    # Undo safe_cell() so an exported file imports back unchanged.
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        text = text[1:]
    return text


def _date(value: Any, today: dt.date) -> dt.date | None:
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        text = _text(value)
        if not text:
            return None
        day = _parse_day(text.split()[0])
    if day > today:
        raise _CellError(_("The date is in the future."))
    return day


def _parse_day(text: str) -> dt.date:
    try:
        if m := re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
    except ValueError:
        pass
    raise _CellError(_("Write the date as d.m.yyyy or yyyy-mm-dd."))


def _moment(value: Any, today: dt.date) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=HELSINKI)
    else:
        day = _date(value, today)
        if day is None:
            return None
        text = _text(value) if not isinstance(value, dt.date) else ""
        parts = text.replace("T", " ").split()
        hour, minute = 12, 0  # a bare date: midday keeps it on the same day in every zone
        if len(parts) > 1:
            m = re.fullmatch(r"(?:klo\s*)?(\d{1,2})[:.](\d{2})(?::\d{2})?", " ".join(parts[1:]))
            if not m or int(m[1]) > 23 or int(m[2]) > 59:
                raise _CellError(_("Write the time as d.m.yyyy hh:mm."))
            hour, minute = int(m[1]), int(m[2])
        moment = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=HELSINKI)
    if moment.astimezone(HELSINKI).date() > today:
        raise _CellError(_("The date is in the future."))
    return moment.astimezone(dt.UTC)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and value >= 0:
            return int(value)
        raise _CellError(_("Write a whole number of zero or more."))
    text = re.sub(r"[\s\u00a0\u202f]", "", _text(value))
    if not text:
        return None
    if not text.isdigit():
        raise _CellError(_("Write a whole number of zero or more."))
    return int(text)


def _per_week(value: Any) -> Decimal | None:
    text = _text(value).replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise _CellError(_("Write a number, for example 2 or 0,5.")) from exc
    if not Decimal(0) <= number <= Decimal("9999.9"):
        raise _CellError(_("Write a number between 0 and 9999."))
    return number


def _choice_map(choices: Any, extra: Mapping[str, str]) -> dict[str, str]:
    mapping = {_fold(k): v for k, v in extra.items()}
    for code, label in choices.choices:
        mapping[_fold(code)] = code
        for lang in ("fi", "sv", "en"):
            with translation.override(lang):
                mapping[_fold(str(label))] = code
    return mapping


def _platform(value: Any) -> str:
    text = _text(value)
    code = _choice_map(Platform, _PLATFORM_SYNONYMS).get(_fold(text))
    if code is None:
        raise _CellError(
            _("Unknown platform “%(value)s”. Use one of: %(names)s.")
            % {"value": text, "names": ", ".join(str(label) for _c, label in Platform.choices)}
        )
    return code


def _status(value: Any) -> str:
    text = _text(value)
    if not text:
        return ChannelStatus.ACTIVE
    names = {v: k for k, v in STATUS_FI.items()} | _STATUS_SYNONYMS
    code = _choice_map(ChannelStatus, names).get(_fold(text))
    allowed = ", ".join(STATUS_FI[s] for s in IMPORTABLE_STATUSES)
    if code is None:
        raise _CellError(
            _("Unknown status “%(value)s”. Use one of: %(names)s.")
            % {"value": text, "names": allowed}
        )
    if code not in IMPORTABLE_STATUSES:
        raise _CellError(
            _("A channel cannot be imported with the status “%(value)s”. Use one of: %(names)s.")
            % {"value": text, "names": allowed}
        )
    return code


def _unit(value: Any, lookups: Lookups) -> int:
    text = _text(value)
    wanted = [_fold(part) for part in re.split(r"[/>]", text) if part.strip()]
    if not wanted:
        raise _CellError(_("The unit is required."))
    matches = [
        unit_id
        for unit_id, chain in lookups.units
        if [_fold(n) for n in chain[-len(wanted) :]] == wanted
    ]
    if not matches:
        raise _CellError(_("No unit called “%(value)s” in your organisation.") % {"value": text})
    if len(matches) > 1:
        raise _CellError(
            _("Several units are called “%(value)s”. Write the path, e.g. Sector / Unit.")
            % {"value": text}
        )
    return matches[0]


def _names(value: Any, known: dict[str, int], unknown_message: str) -> list[int]:
    ids: list[int] = []
    missing: list[str] = []
    for token in _SPLIT.split(_text(value)):
        if not token.strip():
            continue
        found = known.get(_fold(token))
        if found is None:
            missing.append(token.strip())
        elif found not in ids:
            ids.append(found)
    if missing:
        raise _CellError(unknown_message % {"names": ", ".join(missing)})
    return ids


def _url(value: Any) -> str:
    text = _text(value)
    if not text:
        return ""
    if "://" not in text:
        text = "https://" + text
    try:
        URLValidator(schemes=["http", "https"])(text)
    except ValidationError as exc:
        raise _CellError(_("This is not a web address.")) from exc
    if len(text) > 200:
        raise _CellError(_("The address is too long (at most 200 characters)."))
    return text


def _short_text(value: Any, limit: int, required: bool = False) -> str:
    text = _text(value)
    if required and not text:
        raise _CellError(_("This column cannot be empty."))
    if len(text) > limit:
        raise _CellError(_("At most %(n)s characters.") % {"n": limit})
    return text


def validate(table: Table, lookups: Lookups) -> tuple[list[ChannelRow], ImportResult]:
    """Check every row; the result lists all errors, and valid rows only if there are none."""
    result = ImportResult()
    columns: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        key = _ALIASES.get(_norm(header))
        if key is None:
            if header.strip():
                result.ignored_columns.append(header.strip())
        elif key in columns:
            result.errors.append(RowError(HEADER_ROW, header, _("This column appears twice.")))
        else:
            columns[key] = index
    for key in REQUIRED:
        if key not in columns:
            result.errors.append(
                RowError(HEADER_ROW, EXPORT_HEADERS[key], _("This column is missing."))
            )
    if result.errors:
        return [], result

    unknown_people = _("Unknown people: %(names)s. Use their usernames or e-mail addresses.")
    unknown_audiences = _("Unknown target groups: %(names)s.")
    parsers: dict[str, Callable[[Any], Any]] = {
        "unit": lambda v: _unit(v, lookups),
        "platform": _platform,
        "name": lambda v: _short_text(v, 200, required=True),
        "handle": lambda v: _short_text(v, 200),
        "url": _url,
        "responsibles": lambda v: _names(v, lookups.users, unknown_people),
        "audiences": lambda v: _names(v, lookups.audiences, unknown_audiences),
        "purpose": lambda v: _text(v),
        "target_per_week": _per_week,
        "status": _status,
        "opened_on": lambda v: _date(v, lookups.today),
        "closed_on": lambda v: _date(v, lookups.today),
        "followers": _whole_number,
        "last_activity": lambda v: _moment(v, lookups.today),
    }
    seen: dict[tuple[str, str], int] = {}
    valid: list[ChannelRow] = []
    for number, values in table.rows:
        parsed: dict[str, Any] = {}
        row_errors: list[RowError] = []
        for key, index in columns.items():
            raw = values[index] if index < len(values) else None
            try:
                parsed[key] = parsers[key](raw)
            except _CellError as exc:
                row_errors.append(RowError(number, table.headers[index].strip(), str(exc)))

        def err(key: str, message: str, n: int = number, out: list[RowError] = row_errors) -> None:
            out.append(RowError(n, table.headers[columns[key]].strip(), message))

        if "responsibles" in parsed and not parsed["responsibles"]:
            err("responsibles", _("At least one responsible person is required."))
        opened, closed = parsed.get("opened_on"), parsed.get("closed_on")
        if opened and closed and closed < opened:
            err("closed_on", _("The channel cannot close before it was opened."))
        if "platform" in parsed and "name" in parsed and parsed["name"]:
            ident = channel_key(parsed["platform"], parsed["name"], parsed.get("handle", ""))
            column = "handle" if parsed.get("handle") else "name"
            if ident in lookups.existing:
                err(column, _("This channel is already in the registry."))
            elif ident in seen:
                err(column, _("The same channel is already on row %(row)s.") % {"row": seen[ident]})
            else:
                seen[ident] = number
        result.errors.extend(row_errors)
        if not row_errors:
            valid.append(_to_row(number, parsed))
    return ([] if result.errors else valid), result


def _to_row(number: int, parsed: dict[str, Any]) -> ChannelRow:
    return ChannelRow(
        row=number,
        unit_id=parsed["unit"],
        platform=parsed["platform"],
        name=parsed["name"],
        handle=parsed.get("handle", ""),
        url=parsed.get("url", ""),
        responsible_ids=parsed["responsibles"],
        audience_ids=parsed.get("audiences", []),
        purpose=parsed.get("purpose", ""),
        target_per_week=(
            Decimal("2") if parsed.get("target_per_week") is None else parsed["target_per_week"]
        ),
        status=parsed.get("status") or ChannelStatus.ACTIVE,
        opened_on=parsed.get("opened_on"),
        closed_on=parsed.get("closed_on"),
        followers=parsed.get("followers"),
        last_activity_at=parsed.get("last_activity"),
    )
