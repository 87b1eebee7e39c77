"""Words for the synthetic partner graphs' labels (made up, not from the source)."""

from __future__ import annotations

#: Words to build Dutch-looking activity labels from (synthetic, not from the source).
VERBS = (
    "Verkennen",
    "Stimuleren",
    "Ondersteunen",
    "Ontwikkelen",
    "Opzetten",
    "Uitbreiden",
    "Onderzoeken",
    "Faciliteren",
    "Versnellen",
    "Borgen",
)
OBJECTS = (
    "circulair inkopen",
    "hergebruik van bouwmaterialen",
    "biobased bouwen",
    "een grondstoffenpaspoort",
    "de reparatie-economie",
    "circulaire bedrijventerreinen",
    "hoogwaardige recycling",
    "textielinzameling",
    "voedselverspilling tegengaan",
    "een materialenbank",
    "circulaire infrastructuur",
    "deelmobiliteit",
    "kennisdeling tussen gemeenten",
    "circulair ontwerpen",
    "secundaire bouwstoffen",
)
PLACES = (
    "in de regio",
    "met partners",
    "in het landelijk gebied",
    "in de binnensteden",
    "in de provinciale organisatie",
    "langs de Utrechtse Heuvelrug",
    "in de Foodvalley",
    "bij het MKB",
)
ORG_KINDS = ("Gemeente", "Waterschap", "Woningcorporatie", "Coöperatie", "Stichting", "Bedrijf")
ORG_NAMES = ("Noord", "Zuid", "Oost", "West", "Midden", "Rivier", "Heuvel", "Polder", "Veen")
