"""A view's expected-result checks: what its header promises about the bundled data.

``checks`` in a header is a list (or one mapping) of::

    - params: {thema: "https://w3id.org/kringloop/id/thema/energie"}   # optional
      min_rows: 10          # at least this many rows (CONSTRUCT: triples)
      max_rows: 20          # at most
      rows: 12              # exactly
      contains: {activiteit: "https://...", kolomLabel: "Zeker"}   # one row has all these
      sum: {activiteiten: 139}                                     # the column adds up to

``contains`` may also be a list of such mappings (each must be found). A value is
compared with the binding's lexical value (an IRI as is; ``kl:x`` style names are
expanded). Checks run through the same public endpoint as every view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from kringloop.vocab import PREFIXES

if TYPE_CHECKING:
    from kringloop.viewparams import Param

KNOWN_KEYS = frozenset({"params", "min_rows", "max_rows", "rows", "contains", "sum"})
#: A result row as SPARQL JSON gives it: variable -> {"type": ..., "value": ...}.
Row = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Check:
    """One expected-result check: run the view with ``params``, test the answer."""

    params: Mapping[str, str] = field(default_factory=dict)
    min_rows: int | None = None
    max_rows: int | None = None
    rows: int | None = None
    contains: tuple[Mapping[str, str], ...] = ()
    sums: Mapping[str, Decimal] = field(default_factory=dict)

    def describe(self) -> str:
        """The check in a line, for the view page (English and Dutch read alike here)."""
        parts = [f"{key}={value}" for key, value in self.params.items()]
        if self.rows is not None:
            parts.append(f"rows = {self.rows}")
        if self.min_rows is not None:
            parts.append(f"rows ≥ {self.min_rows}")
        if self.max_rows is not None:
            parts.append(f"rows ≤ {self.max_rows}")
        for wanted in self.contains:
            shown = ", ".join(f"{key} = {_short(value)}" for key, value in wanted.items())
            parts.append(f"contains ({shown})")
        for variable, total in self.sums.items():
            parts.append(f"sum({variable}) = {total}")
        return "; ".join(parts)


@dataclass(frozen=True)
class CheckResult:
    check: Check
    passed: bool
    failures: tuple[str, ...] = ()


def parse_checks(value: object, params: tuple[Param, ...]) -> tuple[Check, ...]:
    """The ``checks`` of a header; :class:`ValueError` saying what is wrong."""
    if value is None:
        return ()
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise ValueError("checks must be a list of mappings (min_rows, contains, ...)")
    names = {param.name for param in params}
    return tuple(_check(item, number, names) for number, item in enumerate(items, start=1))


def evaluate(check: Check, rows: list[Row]) -> CheckResult:
    """Whether ``rows`` (the view's answer with the check's params) pass ``check``."""
    failures: list[str] = []
    count = len(rows)
    if check.rows is not None and count != check.rows:
        failures.append(f"expected {check.rows} rows, got {count}")
    if check.min_rows is not None and count < check.min_rows:
        failures.append(f"expected at least {check.min_rows} rows, got {count}")
    if check.max_rows is not None and count > check.max_rows:
        failures.append(f"expected at most {check.max_rows} rows, got {count}")
    for wanted in check.contains:
        if not any(_matches(row, wanted) for row in rows):
            shown = ", ".join(f"{key} = {_short(value)}" for key, value in wanted.items())
            failures.append(f"no row with {shown}")
    for variable, expected in check.sums.items():
        total = _sum(rows, variable)
        if total != expected:
            failures.append(f"sum({variable}) is {total}, expected {expected}")
    return CheckResult(check, not failures, tuple(failures))


def _check(item: object, number: int, names: set[str]) -> Check:
    where = f"checks[{number}]"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be a mapping")
    unknown = sorted(str(key) for key in item if key not in KNOWN_KEYS)
    if unknown:
        raise ValueError(
            f"{where} has unknown key(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(KNOWN_KEYS))}"
        )
    params = _strings(item.get("params") or {}, f"{where}.params")
    for name in params:
        if name not in names:
            raise ValueError(f"{where}.params: {name} is not a parameter of this view")
    counts: dict[str, int | None] = {}
    for key in ("min_rows", "max_rows", "rows"):
        count = item.get(key)
        if count is not None and (not isinstance(count, int) or isinstance(count, bool)):
            raise ValueError(f"{where}.{key} must be a whole number")
        if count is not None and count < 0:
            raise ValueError(f"{where}.{key} must not be negative")
        counts[key] = count
    contains_value = item.get("contains") or []
    wanted_list = [contains_value] if isinstance(contains_value, dict) else contains_value
    if not isinstance(wanted_list, list):
        raise ValueError(f"{where}.contains must be a mapping of variable to value (or a list)")
    contains = tuple(
        {key: _expand(value) for key, value in _strings(wanted, f"{where}.contains").items()}
        for wanted in wanted_list
    )
    sums: dict[str, Decimal] = {}
    for variable, total in _mapping(item.get("sum") or {}, f"{where}.sum").items():
        try:
            sums[variable] = Decimal(str(total))
        except InvalidOperation:
            raise ValueError(f"{where}.sum: {variable} must be a number") from None
    if not (contains or sums or any(count is not None for count in counts.values())):
        raise ValueError(f"{where} checks nothing (give min_rows, rows, contains or sum)")
    return Check(
        params=params,
        min_rows=counts["min_rows"],
        max_rows=counts["max_rows"],
        rows=counts["rows"],
        contains=contains,
        sums=sums,
    )


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise ValueError(f"{where} must map variable names to values")
    return value


def _strings(value: object, where: str) -> dict[str, str]:
    mapping = _mapping(value, where)
    result: dict[str, str] = {}
    for key, item in mapping.items():
        if isinstance(item, bool):
            result[key] = "true" if item else "false"
        elif isinstance(item, (str, int)):
            result[key] = str(item)
        else:
            raise ValueError(f"{where}: {key} must be a single value")
    return result


def _matches(row: Row, wanted: Mapping[str, str]) -> bool:
    return all(key in row and row[key].get("value") == value for key, value in wanted.items())


def _sum(rows: list[Row], variable: str) -> Decimal:
    total = Decimal(0)
    for row in rows:
        if variable in row:
            try:
                total += Decimal(row[variable].get("value", ""))
            except InvalidOperation:
                continue
    return total


def _expand(value: str) -> str:
    prefix, colon, local = value.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return value


def _short(value: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if value.startswith(namespace) and len(value) > len(namespace):
            return f"{prefix}:{value[len(namespace) :]}"
    return value
