"""The ``Toelichting`` sheet: how to fill in the progress workbook, in plain Dutch.

Dutch first (the officers' language), a short English summary at the end.
"""

from __future__ import annotations

from datetime import date

from kringloop.monitoring import sheetlayout as layout
from kringloop.monitoring.rowcheck import EARLIEST_INDICATOR_DATE


def explanation_lines(year: int, today: date) -> list[tuple[str, bool]]:
    """The sheet's lines, each with whether it is a heading."""
    progress = layout.progress_sheet_name(year)
    indicators = layout.indicator_sheet_name(year)
    statuses = ", ".join(layout.STATUS_LABELS)
    earliest = EARLIEST_INDICATOR_DATE.strftime("%d-%m-%Y")
    return [
        (f"Voortgangsrapportage Uitvoeringsagenda Circulaire Samenleving {year}", True),
        (
            f"Kringloop maakte dit bestand op {today.strftime('%d-%m-%Y')}. Het blad "
            f"'{progress}' heeft één rij per activiteit van de agenda, in de volgorde van de "
            "agenda: per thema eerst de zekere, dan de mogelijke activiteiten, zoals in de "
            "tabellen van hoofdstuk 3. Wat al eerder is ingevuld, staat er al in.",
            False,
        ),
        ("Zo vult u het blad in", True),
        (
            f"1. Status: kies een van de zes statussen uit de lijst: {statuses}. Hoofdletters "
            "en spaties maken niet uit; de Engelse namen (not started, started, running, "
            "completed, stopped, merged into another activity) mogen ook.",
            False,
        ),
        (
            "2. Samengevoegd met: alleen bij de status 'samengevoegd'. Vul de activiteit in "
            "waarin deze is opgegaan: kies de naam uit de lijst (precies zoals in de kolom "
            "'Activiteit') of plak haar Activiteit-URI. Een activiteit kan niet met zichzelf "
            "zijn samengevoegd.",
            False,
        ),
        (
            f"3. Bereikt: wat in {year} is bereikt. Verwacht: wat u in {year + 1} verwacht. "
            f"Gewone tekst, hooguit {layout.MAX_LONG_TEXT} tekens per cel; een nieuwe regel "
            "in een cel mag (Alt+Enter).",
            False,
        ),
        (
            f"4. Datum: de dag waarop u de rij invulde of bijwerkte, als datum of als "
            f"dd-mm-jjjj (bijvoorbeeld 15-12-{year}); jjjj-mm-dd mag ook. Niet vóór "
            f"01-01-{year} en niet in de toekomst.",
            False,
        ),
        ("5. Auteur: uw naam of functie.", False),
        ("Wat wordt ingelezen", True),
        (
            "Alleen rijen met een status worden ingelezen; rijen zonder status worden "
            "overgeslagen. Een rij zonder status waarin wel iets anders is ingevuld, geeft "
            "een foutmelding. Elke activiteit mag maar één keer voorkomen.",
            False,
        ),
        (
            "Verander de kolom 'Activiteit-URI' niet: daaraan herkent Kringloop de "
            "activiteit. De grijze kolommen (Activiteit, Thema, Groepering, Kolom) zijn "
            "alleen ter informatie. Het blad is beveiligd zonder wachtwoord, zodat u de "
            "grijze kolommen niet per ongeluk overschrijft (opheffen kan via Controleren > "
            "Beveiliging blad opheffen). Hernoem de bladen niet en verander de kopregel niet; "
            "filteren mag.",
            False,
        ),
        (
            "Bij het inlezen controleert Kringloop alle rijen en meldt elke fout met blad, "
            "rij en kolom, bijvoorbeeld: Blad 'Voortgang "
            f"{year}', rij 5, kolom 'Status': 'bezig' is geen geldige status.",
            False,
        ),
        ("Indicatoren", True),
        (
            f"Het blad '{indicators}' heeft één rij per indicator. Vul in wat u weet: "
            "Nulwaarde (de nulmeting), Streefwaarde en Meetwaarde als getal zonder eenheid "
            "(de eenheid staat in de kolom 'Eenheid'), met een decimale komma: 1234,5 of "
            "1.234,5. Een getal als 1.234 is dubbelzinnig en wordt geweigerd. Bron: waar de "
            f"waarde vandaan komt. Datum: wanneer de waarde is vastgelegd (niet vóór {earliest}, "
            "niet in de toekomst). Rijen zonder waarde worden overgeslagen.",
            False,
        ),
        ("Als CSV", True),
        (
            "Een CSV-bestand bevat één blad. Sla het in Excel op als 'CSV UTF-8 (door "
            "komma's gescheiden)'; een puntkomma als scheidingsteken (zoals de Nederlandse "
            "Excel het schrijft) mag ook. Andere tekensets dan UTF-8 worden geweigerd.",
            False,
        ),
        ("English", True),
        (
            f"This workbook reports progress on the agenda's activities in {year}. Fill in "
            "Status (one of the six statuses; English names are accepted), 'Samengevoegd met' "
            "(merged into: only for status merged), Bereikt (achieved this year), Verwacht "
            "(expected next year), Datum (date, dd-mm-yyyy) and Auteur (author). Only rows "
            "with a status are imported; do not change the Activiteit-URI column or the "
            "header row. Indicator values take a decimal comma (1234,5).",
            False,
        ),
    ]
