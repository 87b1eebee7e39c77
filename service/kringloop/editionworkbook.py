"""An edition's sheet as XLSX: the protected activity sheet, dropdowns and explanation.

The rows come from :mod:`kringloop.editionsheet` (header -> text); this module lays them
out with the progress workbook's styling (:mod:`kringloop.monitoring.workbook`): a bold,
frozen header, grey columns not to change (the URI, which refuses typing, and the
partners), dropdowns reading the hidden
``Keuzelijsten`` sheet, and a ``Toelichting`` sheet in Dutch.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from kringloop.editions import Edition
from kringloop.monitoring.sheetlayout import CHOICES_SHEET, EXPLANATION_SHEET
from kringloop.monitoring.workbook import _fill, _set, write_explanation

#: Dropdowns of interpretations accept typed text too (several values, "a; b").
_FREE_TEXT = {"R-strategie", "Rol", "Doel", "Levenscyclusfase"}


@dataclass(frozen=True)
class SheetLayout:
    name: str
    headers: tuple[str, ...]
    editable: tuple[str, ...]
    choices: Mapping[str, Sequence[str]]  # header -> the labels its dropdown offers


def explanation(edition: Edition, name: str) -> list[tuple[str, bool]]:
    """The ``Toelichting`` sheet's lines (text, bold)."""
    return [
        (f"{edition.label}: het blad om een nieuwe editie van te maken", True),
        (
            f"Het blad '{name}' heeft één rij per activiteit van de editie {edition.ref}. "
            "Verander het, sla het op en lees het in met 'kringloop import BESTAND --edition "
            f"NIEUW --from {edition.ref}' of op de pagina Edities (beheerder). Eerst ziet u "
            "een voorbeeld van de verschillen; pas na bevestigen ontstaat de nieuwe editie, "
            "helemaal of helemaal niet.",
            False,
        ),
        ("Een activiteit wijzigen", True),
        (
            "Verander de naam (Activiteit), het Thema, de Groepering of de Kolom. Kies thema, "
            "groepering en kolom uit de keuzelijst; een groepering hoort bij het thema. De "
            "Activiteit-URI (grijs) blijft altijd gelijk, ook als de naam verandert. Partners "
            "(grijs) staat er ter informatie en wordt niet ingelezen.",
            False,
        ),
        ("Een activiteit toevoegen", True),
        (
            "Voeg een rij toe en laat de Activiteit-URI leeg: Kringloop maakt de URI uit de "
            "naam. Vul Activiteit, Thema en Kolom in, en Bronregels (de regel of regels in het "
            "document van de nieuwe editie, bijvoorbeeld 540 of 540-542) en Brontekst (die "
            "regels letterlijk). Bronregels en Brontekst vult u alleen bij nieuwe rijen in.",
            False,
        ),
        ("Een activiteit verwijderen", True),
        ("Verwijder de hele rij. De activiteit staat dan niet in de nieuwe editie.", False),
        ("Interpretaties van Kringloop (R-strategie, Rol, Doel, Levenscyclusfase)", True),
        (
            "Deze vier kolommen zijn interpretaties van de redactie van Kringloop, geen "
            "uitspraken van de agenda of van de provincie. Kies een waarde uit de lijst, "
            "'niet van toepassing', of typ meer waarden gescheiden door ';'. Wie een "
            "interpretatie verandert of toevoegt, schrijft de reden in 'Toelichting "
            "interpretatie' (één regel); een lege cel betekent: (nog) geen interpretatie.",
            False,
        ),
    ]


def build_edition_workbook(
    edition: Edition, layout: SheetLayout, rows: list[dict[str, str]]
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = layout.name
    _fill(sheet, layout.headers, layout.editable, rows)  # type: ignore[arg-type]
    # Not protected: Excel refuses to delete a row with a locked cell, and deleting the row
    # is how an officer removes an activity. The URI cells refuse typing instead.
    sheet.protection.sheet = False
    fixed = DataValidation(
        type="custom",
        formula1="FALSE",
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle=layout.headers[0],
        error=(
            "De Activiteit-URI verandert niet. Voor een nieuwe activiteit voegt u onderaan "
            "een rij toe en laat u deze cel leeg."
        ),
    )
    fixed.add(f"A2:A{max(len(rows), 1) + 1}")
    sheet.add_data_validation(fixed)
    write_explanation(workbook.create_sheet(EXPLANATION_SHEET), explanation(edition, layout.name))
    choices = workbook.create_sheet(CHOICES_SHEET)
    for column, (header, labels) in enumerate(layout.choices.items(), start=1):
        _set(choices.cell(row=1, column=column), header)
        for number, label in enumerate(labels, start=2):
            _set(choices.cell(row=number, column=column), label)
        letter = get_column_letter(column)
        choices.column_dimensions[letter].width = 40
        target = get_column_letter(layout.headers.index(header) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"{CHOICES_SHEET}!${letter}$2:${letter}${max(len(labels), 1) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="warning" if header in _FREE_TEXT else "stop",
            errorTitle=header,
            error=f"Kies een waarde uit de lijst ({header}).",
        )
        validation.add(f"{target}2:{target}{len(rows) + 501}")  # room for new rows
        sheet.add_data_validation(validation)
    choices.sheet_state = "hidden"
    choices.protection.sheet = True
    workbook.active = 0
    workbook.properties.title = f"{edition.label}: activiteiten"
    workbook.properties.creator = "Kringloop"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
