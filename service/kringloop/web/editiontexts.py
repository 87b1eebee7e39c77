"""The texts of the editions pages (``/edities``, the diff, the import of a new edition)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "title": "Edities van de agenda",
        "intro": (
            "De uitvoeringsagenda wordt elk jaar bijgewerkt. Elke editie staat in twee eigen "
            "grafen: wat het document zegt, en de interpretaties van de redactie. Alleen de "
            "huidige editie staat in de standaardgraaf; oudere blijven als benoemde grafen "
            "op te vragen."
        ),
        "edition": "Editie",
        "reference": "Code",
        "issued": "Uitgegeven",
        "revision_of": "Herziening van",
        "graphs": "Grafen",
        "current": "huidige editie",
        "compare": "Vergelijk met de vorige",
        "none": "Er zijn nog geen edities.",
        "json": "Als JSON",
        "diff_title": "Verschil tussen edities",
        "diff_intro": "Wat per activiteit veranderde van de ene editie naar de andere.",
        "from": "Van",
        "to": "Naar",
        "show": "Toon verschil",
        "no_changes": "Geen verschillen tussen deze edities.",
        "need_two": "Er is maar één editie: er valt nog niets te vergelijken.",
        "total": "{changes} wijziging(en) bij {activities} activiteit(en)",
        "no_theme": "Zonder thema",
        "activity": "Activiteit",
        "kind": "Wijziging",
        "field": "Veld",
        "old": "Was",
        "new": "Wordt",
        "csv": "Als CSV",
        "editions_link": "Alle edities",
        "sheet": "Blad",
        "sheet_xlsx": "Excel (.xlsx)",
        "sheet_csv": "CSV",
        "sheet_hint": (
            "Het blad van een editie heeft één rij per activiteit. Verander het en lees het in "
            "als nieuwe editie, hieronder of met 'kringloop import BESTAND --edition NIEUW "
            "--from EDITIE'."
        ),
        "upload": "Nieuwe editie inlezen (beheerder)",
        "file": "Veranderd blad (.xlsx of .csv)",
        "base": "Gemaakt van editie",
        "new_ref": "Nieuwe editie (bijvoorbeeld 2023)",
        "issued_on": "Uitgegeven op (leeg: vandaag)",
        "token": "Beheerderstoken",
        "read": "Inlezen en bekijken",
        "preview": "Voorstel: de nieuwe editie",
        "preview_intro": "Wat er verandert van editie {old} naar editie {new}.",
        "commit": "Doorvoeren",
        "expires": "Het voorstel vervalt na een uur.",
        "done": "Editie {new} is gemaakt.",
        "version": "versie",
        "error": "Niet ingelezen",
        "errors_heading": "Fouten (er is niets veranderd)",
    },
    "en": {
        "title": "Editions of the agenda",
        "intro": (
            "The implementation agenda is updated every year. Each edition has two graphs of "
            "its own: what the document says, and the editors' interpretations. Only the "
            "current edition is in the default graph; older ones stay queryable as named graphs."
        ),
        "edition": "Edition",
        "reference": "Code",
        "issued": "Issued",
        "revision_of": "Revision of",
        "graphs": "Graphs",
        "current": "current edition",
        "compare": "Compare with the previous one",
        "none": "There are no editions yet.",
        "json": "As JSON",
        "diff_title": "Differences between editions",
        "diff_intro": "What changed per activity from one edition to another.",
        "from": "From",
        "to": "To",
        "show": "Show differences",
        "no_changes": "No differences between these editions.",
        "need_two": "There is only one edition: there is nothing to compare yet.",
        "total": "{changes} change(s) to {activities} activities",
        "no_theme": "Without a theme",
        "activity": "Activity",
        "kind": "Change",
        "field": "Field",
        "old": "Was",
        "new": "Becomes",
        "csv": "As CSV",
        "editions_link": "All editions",
        "sheet": "Sheet",
        "sheet_xlsx": "Excel (.xlsx)",
        "sheet_csv": "CSV",
        "sheet_hint": (
            "An edition's sheet has one row per activity (in Dutch). Change it and import it "
            "as a new edition, below or with 'kringloop import FILE --edition NEW --from "
            "EDITION'."
        ),
        "upload": "Import a new edition (administrator)",
        "file": "Changed sheet (.xlsx or .csv)",
        "base": "Made from edition",
        "new_ref": "New edition (e.g. 2023)",
        "issued_on": "Issued on (empty: today)",
        "token": "Administrator token",
        "read": "Read and preview",
        "preview": "Proposal: the new edition",
        "preview_intro": "What changes from edition {old} to edition {new}.",
        "commit": "Commit",
        "expires": "The proposal expires after an hour.",
        "done": "Edition {new} has been made.",
        "version": "version",
        "error": "Not imported",
        "errors_heading": "Errors (nothing was changed)",
    },
}
