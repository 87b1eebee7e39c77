"""Every setting of the service, declared once: name, default, unit, help.

A setting comes from, in order of precedence: a command-line flag, the environment
(``KRINGLOOP_<NAME>``), the TOML file given by ``--config`` (or ``KRINGLOOP_CONFIG``),
and finally its default. The CLI help and the README's settings table are generated
from :class:`Settings`' fields (:func:`setting_table`, :func:`settings_markdown`).
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kringloop.errors import ConfigurationError
from kringloop.paths import project_root

ENV_PREFIX = "KRINGLOOP_"
CONFIG_ENV = "KRINGLOOP_CONFIG"

_T = TypeVar("_T")


def _setting(default: _T, unit: str, help_text: str) -> _T:
    value: _T = field(default=default, metadata={"unit": unit, "help": help_text})
    return value


@dataclass(frozen=True)
class Settings:
    """The service's configuration; build it with :meth:`load` or :meth:`from_environment`."""

    host: str = _setting("127.0.0.1", "address", "Address the web service listens on.")
    port: int = _setting(8000, "port", "TCP port of the web service.")
    threads: int = _setting(
        8, "threads", "Request threads of the single web worker (metrics stay exact)."
    )
    data_dir: str = _setting(
        "var",
        "path",
        "Directory for the managed engine's log (and store on disk), the partner registry and the "
        "stored graph versions (back it up); relative to the project root.",
    )
    engine_query_url: str = _setting(
        "",
        "URL",
        "SPARQL query endpoint of an external engine; empty: start a managed Oxigraph.",
    )
    engine_update_url: str = _setting(
        "", "URL", "SPARQL update endpoint of the external engine (optional)."
    )
    engine_graph_store_url: str = _setting(
        "",
        "URL",
        "Graph Store Protocol endpoint of the external engine; used to load the bundled graphs.",
    )
    engine_username: str = _setting("", "", "User name for HTTP basic auth at the external engine.")
    engine_password: str = _setting("", "", "Password for HTTP basic auth at the external engine.")
    engine_results_format: str = _setting(
        "tsv",
        "format",
        "How the engine is asked for SELECT results: tsv (SPARQL 1.1 TSV, cheapest cap) "
        "or json (SPARQL JSON; needed for Virtuoso, whose TSV is not SPARQL TSV).",
    )
    engine_binary: str = _setting(
        "",
        "path",
        "The oxigraph executable; empty: the one installed beside Python, then PATH.",
    )
    engine_port: int = _setting(0, "port", "Loopback port of the managed engine; 0: a free port.")
    engine_store: str = _setting(
        "memory",
        "store",
        "Where the managed engine keeps its data: memory (refilled from the bundled files "
        "and the stored graph versions after every start) or disk (`{data_dir}/oxigraph`).",
    )
    engine_start_timeout: float = _setting(
        10.0, "s", "How long to wait for the engine to accept connections at start."
    )
    engine_memory_limit: int = _setting(
        0,
        "MiB",
        "Most address space the managed engine may take (RLIMIT_AS): a query that needs more "
        "crashes the engine (restarted at once) instead of exhausting the machine; its idle "
        "threads count too (about 2 MiB each), so leave room; 0: no limit (bound the "
        "service with MemoryMax= instead: docs/operations.md).",
    )
    engine_state_file: str = _setting(
        "",
        "path",
        "JSON file where `kringloop serve` records the managed engine (set for its workers).",
    )
    load_bundled: bool = _setting(
        True,
        "bool",
        "Replace the bundled graphs in the engine from the files at start "
        "(needs a graph store URL for an external engine).",
    )
    query_deadline: float = _setting(
        10.0, "s", "Every public query is answered or failed within this time."
    )
    result_cap: int = _setting(
        10000, "rows", "Most rows (SELECT) or triples (CONSTRUCT/DESCRIBE) in one answer."
    )
    max_result_bytes: int = _setting(
        64 * 1024 * 1024, "bytes", "Most bytes read from the engine for one answer."
    )
    max_query_bytes: int = _setting(32 * 1024, "bytes", "Largest accepted query text.")
    max_query_depth: int = _setting(
        64, "levels", "Deepest accepted nesting of braces, parentheses and brackets."
    )
    probation: float = _setting(
        1.0,
        "s",
        "After an engine crash, each query that was in flight is retried alone for this long.",
    )
    max_upload_bytes: int = _setting(
        64 * 1024 * 1024, "bytes", "Largest graph a partner may PUT or POST to /graph-store."
    )
    max_validate_bytes: int = _setting(
        16 * 1024 * 1024, "bytes", "Largest graph anyone may check with POST /validate."
    )
    graph_versions: int = _setting(
        10, "versions", "Versions kept of each stored graph (the owner can restore them)."
    )
    federation_timeout: float = _setting(
        5.0,
        "s",
        "Federated views: how long each partner endpoint has to answer in full "
        "(also its connect timeout); a partner that takes longer is listed as slow.",
    )
    federation_max_bytes: int = _setting(
        10 * 1024 * 1024,
        "bytes",
        "Federated views: most bytes read from one partner endpoint's answer; more is invalid.",
    )
    harvest_timeout: float = _setting(
        60.0,
        "s",
        "Harvest: how long a partner's endpoint or dump has to deliver its data in full "
        "(also the connect timeout); longer is a failed harvest.",
    )
    harvest_max_bytes: int = _setting(
        64 * 1024 * 1024,
        "bytes",
        "Harvest: most bytes read from a partner's endpoint or dump; more is a failed harvest.",
    )
    harvest_interval: float = _setting(
        0.0,
        "min",
        "Harvest every partner with an endpoint or dump every this many minutes while "
        "`kringloop serve` runs (fractions allowed; first run shortly after start); 0: off.",
    )
    cors_origin: str = _setting(
        "*", "origin", "Access-Control-Allow-Origin sent on read responses; empty: no CORS."
    )
    rate_limit_queries: int = _setting(
        300,
        "per min",
        "Data requests one client may make per minute (`/sparql`, `.json`/`.csv`/... of views "
        "and pages, `/graph-store` reads, dumps); more is 429 with Retry-After; 0: no limit.",
    )
    rate_limit_pages: int = _setting(
        300, "per min", "HTML pages one client may ask per minute; 0: no limit."
    )
    rate_limit_writes: int = _setting(
        30,
        "per min",
        "Writes one client may make per minute (`/graph-store` PUT/POST/DELETE, restores, "
        "POST `/validate`); 0: no limit.",
    )
    rate_limit_burst: int = _setting(
        60,
        "requests",
        "Requests of each kind a client may send at once before the per-minute rates apply "
        "(writes: at most `rate_limit_writes`).",
    )
    trusted_proxies: int = _setting(
        0,
        "proxies",
        "Reverse proxies in front of the service: the client is the address the outermost "
        "put in X-Forwarded-For, this many from the right (rate limiting); 0: the header is "
        "ignored (anyone can send it).",
    )
    log_level: str = _setting("info", "level", "Log level: debug, info, warning, error.")

    # -- loading -----------------------------------------------------------------

    @classmethod
    def load(
        cls,
        flags: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        config_file: Path | None = None,
    ) -> Settings:
        """Merge flags (``None`` = not given) > environment > config file > defaults."""
        environ = environ if environ is not None else {}
        values: dict[str, Any] = {}
        if config_file is None and environ.get(CONFIG_ENV):
            config_file = Path(environ[CONFIG_ENV])
        if config_file is not None:
            values.update(_read_config_file(config_file))
        for spec in setting_table():
            raw = environ.get(spec.env_name)
            if raw is not None:
                values[spec.name] = _convert(spec, raw, f"environment variable {spec.env_name}")
        for name, value in (flags or {}).items():
            if value is not None:
                spec = _spec(name)
                values[name] = _check_type(spec, value, f"option --{spec.flag}")
        settings = cls(**values)
        settings.validate()
        return settings

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        import os

        return cls.load(environ=os.environ if environ is None else environ)

    def to_environment(self) -> dict[str, str]:
        """``KRINGLOOP_*`` variables that reproduce these settings in a child process."""
        env: dict[str, str] = {}
        for spec in setting_table():
            value = getattr(self, spec.name)
            env[spec.env_name] = ("true" if value else "false") if spec.kind is bool else str(value)
        return env

    def validate(self) -> None:
        positive = (
            "threads",
            "engine_start_timeout",
            "query_deadline",
            "result_cap",
            "max_result_bytes",
            "max_query_bytes",
            "max_query_depth",
            "federation_timeout",
            "federation_max_bytes",
            "max_upload_bytes",
            "max_validate_bytes",
            "graph_versions",
            "harvest_timeout",
            "harvest_max_bytes",
            "rate_limit_burst",
        )
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"setting {name} must be positive")
        for name in ("port", "engine_port"):
            if not 0 <= getattr(self, name) <= 65535:
                raise ConfigurationError(f"setting {name} must be a port number (0-65535)")
        for name in (
            "probation",
            "harvest_interval",
            "rate_limit_queries",
            "rate_limit_pages",
            "rate_limit_writes",
            "trusted_proxies",
            "engine_memory_limit",
        ):
            if getattr(self, name) < 0:
                raise ConfigurationError(f"setting {name} must not be negative")
        if self.engine_results_format not in {"tsv", "json"}:
            raise ConfigurationError("setting engine_results_format must be tsv or json")
        if self.engine_store not in {"memory", "disk"}:
            raise ConfigurationError("setting engine_store must be memory or disk")
        if self.log_level.lower() not in {"debug", "info", "warning", "error"}:
            raise ConfigurationError("setting log_level must be debug, info, warning or error")

    # -- derived values ----------------------------------------------------------

    @property
    def managed(self) -> bool:
        """Whether ``kringloop serve`` starts its own engine."""
        return not self.engine_query_url

    def data_path(self) -> Path:
        path = Path(self.data_dir)
        return path if path.is_absolute() else project_root() / path


@dataclass(frozen=True)
class SettingSpec:
    """One row of the settings table."""

    name: str
    kind: type
    default: Any
    unit: str
    help: str

    @property
    def env_name(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return self.name.replace("_", "-")


_KINDS: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}


def setting_table() -> list[SettingSpec]:
    """The settings table, in declaration order."""
    return [
        SettingSpec(
            name=item.name,
            kind=_KINDS[str(item.type)],
            default=item.default,
            unit=str(item.metadata["unit"]),
            help=str(item.metadata["help"]),
        )
        for item in dataclasses.fields(Settings)
    ]


def _spec(name: str) -> SettingSpec:
    for spec in setting_table():
        if spec.name == name:
            return spec
    raise ConfigurationError(f"unknown setting {name!r}")


def _convert(spec: SettingSpec, raw: str, source: str) -> Any:
    text = raw.strip()
    try:
        if spec.kind is bool:
            lowered = text.lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if spec.kind is int:
            return int(text)
        if spec.kind is float:
            return float(text)
    except ValueError:
        kind = spec.kind.__name__
        raise ConfigurationError(f"{source}: {raw!r} is not a valid {kind}") from None
    return raw


def _check_type(spec: SettingSpec, value: Any, source: str) -> Any:
    if spec.kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, bool) and spec.kind is not bool:
        raise ConfigurationError(f"{source}: expected {spec.kind.__name__}, got a boolean")
    if not isinstance(value, spec.kind):
        raise ConfigurationError(
            f"{source}: expected {spec.kind.__name__}, got {type(value).__name__}"
        )
    return value


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise ConfigurationError(f"cannot read config file {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"config file {path} is not valid TOML: {error}") from None
    known = {spec.name: spec for spec in setting_table()}
    values: dict[str, Any] = {}
    for key, value in document.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigurationError(f"config file {path}: unknown setting {key!r}")
        values[name] = _check_type(known[name], value, f"config file {path}, {key}")
    return values


def settings_markdown() -> str:
    """The README's settings table (a test keeps the README in step with this)."""
    lines = [
        "| setting | environment | default | unit | what |",
        "|---|---|---|---|---|",
    ]
    for spec in setting_table():
        default = spec.default
        if spec.kind is bool:
            default = "true" if default else "false"
        shown = f"`{default}`" if default != "" else "(empty)"
        lines.append(
            f"| `--{spec.flag}` | `{spec.env_name}` | {shown} | {spec.unit} | {spec.help} |"
        )
    return "\n".join(lines) + "\n"
