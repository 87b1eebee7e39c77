"""An edited edition sheet (XLSX or CSV) read safely and checked row by row.

The file passes the progress sheet's safety checks first
(:mod:`kringloop.monitoring.sheetinput`: size, zip bomb, macros, encryption, XML document
type declarations); then every row is checked against the base edition and its concept
schemes, and every problem is a :class:`~kringloop.monitoring.rowcheck.RowError` naming
sheet, row and column in plain Dutch. A row without an Activiteit-URI is a new activity:
its URI is minted from its name here, so a collision is a row error too.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kringloop import editionsheet as es
from kringloop.editionderive import TakenReferences, mint_reference
from kringloop.editions import EditionContent
from kringloop.monitoring.cellvalues import CellError, CellValue, cell_text, clean_text
from kringloop.monitoring.rowcheck import RowError, SheetRow, SheetTable, column_index
from kringloop.monitoring.sheetinput import (
    SheetRefusedError,
    csv_table,
    csv_text,
    upload_format,
    xlsx_tables,
)
from kringloop.monitoring.sheetlayout import header_key, unescape_csv
from kringloop.vocab import ID

_LINES = re.compile(r"^(?:regels?\s*)?(\d{1,6})(?:\s*[-\u2013]\s*(\d{1,6}))?$", re.IGNORECASE)
_NOT_APPLICABLE = {"niet van toepassing", "nvt", "n.v.t.", "not applicable"}


@dataclass(frozen=True)
class EditionRow:
    """One checked row: an activity of the new edition (``new``: not in the base edition)."""

    number: int
    iri: str
    new: bool
    label: str
    theme: str
    grouping: str | None
    column: str
    interpretations: dict[str, es.Interpretation]
    reason: str = ""
    lines: tuple[int, int] | None = None  # a new activity's lines in the new document
    source_text: str = ""


@dataclass(frozen=True)
class EditionSheetResult:
    base_ref: str
    sheet: str
    rows: list[EditionRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_edition_sheet(data: bytes, filename: str, base: EditionContent) -> EditionSheetResult:
    """The rows of an edited sheet of edition ``base`` and every problem found in them.

    Raises :class:`SheetRefusedError` / :class:`SheetTooLargeError` for a file that cannot
    be read at all (wrong kind, unsafe, another edition's sheet).
    """
    kind = upload_format(data, filename)
    name = es.sheet_name(base.edition.ref)
    if kind == "xlsx":
        hint = "exporteer het blad van deze editie en verander dat"
        table = xlsx_tables(data, name, hint=hint)[0]
    else:
        table = _csv_table(data, name)
    return check_rows(table, base)


def _csv_table(data: bytes, name: str) -> SheetTable:
    text = csv_text(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    known = es.header_keys()
    scores = {
        delimiter: len(
            {header_key(unescape_csv(c)) for c in next(csv.reader([first], delimiter=delimiter))}
            & known
        )
        for delimiter in (",", ";", "\t")
    }
    delimiter = max(scores, key=lambda d: scores[d])
    if scores[delimiter] < 2:
        raise SheetRefusedError(
            f"de eerste regel is geen kopregel van een editieblad (verwacht onder meer "
            f"'{es.ACTIVITY_URI}' en '{es.THEME}'); gebruik een geëxporteerd blad"
        )
    return csv_table(text, delimiter, name)


def check_rows(table: SheetTable, base: EditionContent) -> EditionSheetResult:
    """Every row of ``table`` checked against edition ``base``."""
    ref = base.edition.ref
    result = EditionSheetResult(ref, table.name)
    index = column_index(table, es.REQUIRED, result.errors)
    if index is None:
        return result
    concepts = es.Concepts(base.concepts)
    known = {activity.iri: activity for activity in es.edition_activities(base)}
    taken = TakenReferences.of(base)
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        row = SheetRow(table, number, cells, index)
        checked = _check_row(row, ref, concepts, known, taken, seen)
        result.errors.extend(row.errors)
        if checked is not None and not row.errors:
            result.rows.append(checked)
    return result


def _text(limit: int) -> Callable[[CellValue], str]:
    def parse(value: CellValue) -> str:
        return clean_text(value, limit, one_line=True)

    return parse


def _check_row(
    row: SheetRow,
    ref: str,
    concepts: es.Concepts,
    known: dict[str, es.EditionActivity],
    taken: TakenReferences,
    seen: dict[str, int],
) -> EditionRow | None:
    iri = row.parse(es.ACTIVITY_URI, _text(es.MAX_LABEL), "")
    label = row.parse(es.ACTIVITY, _text(es.MAX_LABEL), "")
    if not label and not any(e.column == es.ACTIVITY for e in row.errors):
        row.error(es.ACTIVITY, "de naam van de activiteit is leeg; vul een naam in")
    if iri and iri not in known:
        row.error(
            es.ACTIVITY_URI,
            f"de activiteit '{iri}' staat niet in editie {ref}; laat de Activiteit-URI leeg "
            "voor een nieuwe activiteit",
        )
    elif iri in seen:
        row.error(
            es.ACTIVITY_URI,
            f"deze activiteit staat ook in rij {seen[iri]}; laat één rij per activiteit over",
        )
    elif iri:
        seen[iri] = row.number
    theme = _concept(row, es.THEME, es.THEME_CLASS, "thema", concepts, required=True)
    grouping = _concept(row, es.GROUPING, es.GROUPING_CLASS, "groepering", concepts)
    column = _concept(row, es.COLUMN, es.COLUMN_CLASS, "kolom", concepts, required=True)
    if theme and grouping and concepts.broader_of.get(grouping) != theme:
        owner = concepts.label_of.get(concepts.broader_of.get(grouping) or "", "geen thema")
        row.error(
            es.GROUPING,
            f"de groepering '{concepts.label_of[grouping]}' hoort bij het thema '{owner}', "
            f"niet bij '{concepts.label_of[theme]}'; kies een groepering van dat thema of "
            "laat de cel leeg",
        )
    interpretations = {a.header: _interpretation(row, a, concepts) for a in es.ASPECTS}
    reason = row.parse(es.REASON, _text(es.MAX_REASON), "")
    before = known[iri].interpretations if iri in known else {}
    changed = [h for h, v in interpretations.items() if v is not None and v != before.get(h)]
    unknown = bool(iri) and iri not in known  # its URI error says enough
    if (
        changed
        and not reason
        and not unknown
        and not any(e.column == es.REASON for e in row.errors)
    ):
        row.error(
            es.REASON,
            f"de interpretatie ({', '.join(changed)}) is veranderd of nieuw; schrijf de reden "
            "in deze kolom (één regel)",
        )
    lines, source_text = _source(row, new=not iri)
    if not iri and label:
        iri = _mint(row, label, ref, taken)
    if row.errors or not iri or theme is None or column is None:
        return None
    return EditionRow(
        number=row.number,
        iri=iri,
        new=iri not in known,
        label=label,
        theme=theme,
        grouping=grouping,
        column=column,
        interpretations=interpretations,
        reason=reason,
        lines=lines,
        source_text=source_text,
    )


def _concept(
    row: SheetRow,
    header: str,
    klass: ox.NamedNode,
    what: str,
    concepts: es.Concepts,
    *,
    required: bool = False,
) -> str | None:
    text = " ".join(cell_text(row.cell(header)).split())
    if not text:
        if required:
            row.error(header, f"het {what} ontbreekt; kies er een uit de lijst")
        return None
    found = concepts.find(klass, text)
    if len(found) == 1:
        return found.pop()
    choices = ", ".join(concepts.labels(klass))
    if not found:
        row.error(header, f"'{text}' is geen bekende {what}; kies uit: {choices}")
    else:
        row.error(header, f"'{text}' past bij meer dan één {what}; kies uit: {choices}")
    return None


def _interpretation(row: SheetRow, aspect: es.Aspect, concepts: es.Concepts) -> es.Interpretation:
    text = " ".join(cell_text(row.cell(aspect.header)).split())
    if not text:
        return None
    if text.casefold() in _NOT_APPLICABLE:
        return es.NOT_APPLICABLE
    found: set[str] = set()
    choices = ", ".join([*concepts.labels(aspect.concept_class), es.NOT_APPLICABLE_LABEL])
    for part in (p.strip() for p in text.split(es.VALUE_SEPARATOR)):
        if not part:
            continue
        if part.casefold() in _NOT_APPLICABLE:
            row.error(
                aspect.header,
                f"'{es.NOT_APPLICABLE_LABEL}' gaat niet samen met een waarde; kies het een of "
                "het ander",
            )
            return None
        iris = concepts.find(aspect.concept_class, part)
        if len(iris) != 1:
            row.error(
                aspect.header,
                f"'{part}' is geen bekende waarde voor {aspect.header} (een interpretatie "
                f"van Kringloop); kies uit: {choices} (meer waarden gescheiden door ';')",
            )
            return None
        found |= iris
    return tuple(sorted(found)) or None


def _source(row: SheetRow, *, new: bool) -> tuple[tuple[int, int] | None, str]:
    lines_text = " ".join(cell_text(row.cell(es.SOURCE_LINES)).split())
    try:
        source_text = clean_text(row.cell(es.SOURCE_TEXT), es.MAX_SOURCE_TEXT)
    except CellError as error:
        row.error(es.SOURCE_TEXT, error.reason)
        return None, ""
    if not new:
        for header, value in ((es.SOURCE_LINES, lines_text), (es.SOURCE_TEXT, source_text)):
            if value:
                row.error(
                    header,
                    "vul deze kolom alleen in bij een nieuwe activiteit (zonder "
                    "Activiteit-URI); een bestaande activiteit houdt haar bronverwijzing",
                )
        return None, ""
    if not lines_text:
        row.error(
            es.SOURCE_LINES,
            "een nieuwe activiteit heeft de regel of regels nodig waar ze in het document "
            "van de nieuwe editie staat (bijvoorbeeld 540 of 540-542)",
        )
        lines = None
    elif (match := _LINES.match(lines_text.removesuffix(".0"))) is None:
        row.error(
            es.SOURCE_LINES,
            f"'{lines_text}' is geen regelnummer; schrijf bijvoorbeeld 540 of 540-542",
        )
        lines = None
    else:
        first, last = int(match[1]), int(match[2] or match[1])
        lines = (first, last)
        if first < 1 or first > last:
            row.error(
                es.SOURCE_LINES,
                f"de eerste regel ({first}) moet minstens 1 zijn en niet na de laatste "
                f"({last}) komen",
            )
    if not source_text:
        row.error(
            es.SOURCE_TEXT,
            "een nieuwe activiteit heeft de tekst van haar bronregels nodig (letterlijk "
            "overgenomen uit het document van de nieuwe editie)",
        )
    return lines, source_text


def _mint(row: SheetRow, label: str, ref: str, taken: TakenReferences) -> str:
    try:
        reference, slug, clash = mint_reference(label, taken, row.number)
    except ValueError:
        row.error(
            es.ACTIVITY,
            "de naam heeft geen letters of cijfers om een URI van te maken; geef een andere naam",
        )
        return ""
    if reference is None:
        owner = f"de nieuwe activiteit in rij {clash}" if clash else f"editie {ref}"
        row.error(
            es.ACTIVITY,
            f"de naam geeft de URI '{ID}activiteit/{slug}', en die is al van {owner}; "
            "geef een naam die zich daarvan onderscheidt",
        )
        return ""
    return f"{ID}activiteit/{reference}"
