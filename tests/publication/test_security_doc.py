"""docs/security.md and docs/operations.md cannot rot: every name they give must exist.

``docs/security.md``'s table maps each threat to its protection and the tests that prove
it. Here every row must name at least one test as `` `path::name` ``; the file must exist
and define that test (a module-level ``test_*`` function or ``Test*`` class, or
``Class::method``; a parametrised id in ``[...]`` is stripped); every `` `kringloop.x.y` ``
in the protection column must import and resolve; every ``--flag`` in the setting column
must be a setting of ``kringloop serve``.

``docs/operations.md`` tells an administrator what to type: every ``.../bin/kringloop``
command line in its shell blocks (and the unit's ``ExecStart=``) must parse with the
CLI's own parser, every ``KRINGLOOP_*`` variable and every key of a TOML block must be a
setting, and the proxies' body limits and read timeouts must fit the service's defaults.
"""

from __future__ import annotations

import ast
import importlib
import re
import shlex
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from kringloop.cli import build_parser
from kringloop.paths import project_root
from kringloop.settings import CONFIG_ENV, setting_table

ROOT = project_root()
SECURITY = ROOT / "docs" / "security.md"
OPERATIONS = ROOT / "docs" / "operations.md"
TABLE_HEADING = "## Threats, protections and tests"
COLUMNS = ("id", "threat", "protection", "setting", "tests")

TEST_REF = re.compile(r"`(tests/[\w/.-]+\.py)::([^`\s]+)`")
CODE_REF = re.compile(r"`(kringloop(?:\.\w+)+)`")
STATIC_REF = re.compile(r"`(static/[\w./-]+)`")
FLAG = re.compile(r"`--([a-z][a-z0-9-]*)`")
#: ``KRINGLOOP_*`` variables that are not settings but are read by the package.
OTHER_VARIABLES = {CONFIG_ENV, "KRINGLOOP_ROOT", "KRINGLOOP_SOURCE_TEXT"}
SHELL_OPERATORS = {"|", "||", "&&", ";", "&"}
COMMAND_SUBSTITUTION = re.compile(r"\$\([^()]*\)")


# -- docs/security.md ----------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    cells: dict[str, str]

    @property
    def id(self) -> str:
        return self.cells["id"]


def table_rows(text: str) -> list[Row]:
    """The rows of the threats table (the table right under :data:`TABLE_HEADING`)."""
    lines = text.splitlines()
    start = lines.index(TABLE_HEADING)
    table: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("|"):
            table.append(line)
        elif table or line.startswith("#"):
            break
    header, rule, *body = (split_row(line) for line in table)
    assert tuple(header) == COLUMNS, header
    assert all(set(cell) <= set("-: ") for cell in rule), rule
    rows = []
    for cells in body:
        assert len(cells) == len(COLUMNS), cells
        rows.append(Row(dict(zip(COLUMNS, cells, strict=True))))
    return rows


def split_row(line: str) -> list[str]:
    """The cells of a table line; ``\\|`` is a pipe inside a cell (as GitHub reads it)."""
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


@cache
def security_rows() -> tuple[Row, ...]:
    return tuple(table_rows(SECURITY.read_text(encoding="utf-8")))


def named_tests(row: Row) -> list[tuple[str, str]]:
    return TEST_REF.findall(row.cells["tests"])


def missing_test(path: str, name: str, root: Path = ROOT) -> str | None:
    """Why ``path::name`` is not a test pytest would run; None when it is one."""
    file = root / path
    if not file.is_file():
        return f"{path} does not exist"
    parts = re.sub(r"\[[^\]]*\]$", "", name).split("::")
    body: list[ast.stmt] = ast.parse(file.read_text(encoding="utf-8")).body
    found: ast.stmt | None = None
    for depth, part in enumerate(parts):
        found = next(
            (
                node
                for node in body
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
                and node.name == part
            ),
            None,
        )
        if found is None:
            return f"{path} defines no {'::'.join(parts[: depth + 1])}"
        prefix = "Test" if isinstance(found, ast.ClassDef) else "test"
        if not found.name.startswith(prefix):
            return f"{'::'.join(parts[: depth + 1])} in {path} is not a test (no {prefix} prefix)"
        body = found.body if isinstance(found, ast.ClassDef) else []
    return None


def resolves(dotted: str) -> bool:
    """Whether ``dotted`` names an importable module or an attribute inside one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: Any = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


def all_test_refs() -> list[tuple[str, str]]:
    return sorted({ref for row in security_rows() for ref in named_tests(row)})


def all_code_refs() -> list[str]:
    return sorted(
        {ref for row in security_rows() for ref in CODE_REF.findall(row.cells["protection"])}
    )


def test_the_table_has_many_threats_each_once() -> None:
    ids = [row.id for row in security_rows()]
    assert len(ids) >= 40, ids
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(re.fullmatch(r"[A-Z]\d+", i) for i in ids), ids


@pytest.mark.parametrize("row", security_rows(), ids=lambda row: row.id)
def test_every_threat_names_a_protection_and_a_test(row: Row) -> None:
    assert row.cells["threat"] and row.cells["protection"], row.id
    assert named_tests(row), f"{row.id} names no test as `tests/...py::name`"
    # Nothing that looks like a test reference may escape the pattern (a typo in it).
    assert row.cells["tests"].count("::") == len(named_tests(row)), row.cells["tests"]


@pytest.mark.parametrize(("path", "name"), all_test_refs(), ids=lambda v: str(v))
def test_every_named_test_exists(path: str, name: str) -> None:
    assert missing_test(path, name) is None, missing_test(path, name)


@pytest.mark.parametrize("dotted", all_code_refs())
def test_every_code_reference_resolves(dotted: str) -> None:
    assert resolves(dotted), f"docs/security.md names {dotted}, which does not exist"


def test_static_files_named_exist() -> None:
    named = {ref for row in security_rows() for ref in STATIC_REF.findall(row.cells["protection"])}
    assert named, "the table names the query page's script"
    for ref in named:
        assert (ROOT / "service" / "kringloop" / ref).is_file(), ref


def test_every_setting_named_is_a_setting() -> None:
    flags = {spec.flag for spec in setting_table()}
    named = {flag for row in security_rows() for flag in FLAG.findall(row.cells["setting"])}
    assert len(named) >= 10, named
    assert named <= flags, named - flags
    for row in security_rows():  # a setting cell holds flags or "-", nothing else
        rest = FLAG.sub("", row.cells["setting"]).replace(",", "").strip()
        assert rest in ("", "-"), (row.id, row.cells["setting"])


def test_the_checks_catch_rot(tmp_path: Path) -> None:
    """The resolvers fail on what does not exist (else the tests above could not fail)."""
    module = tmp_path / "tests" / "test_x.py"
    module.parent.mkdir()
    module.write_text(
        "def helper():\n    pass\n\n"
        "def test_a(x):\n    pass\n\n"
        "class TestB:\n    def test_c(self):\n        pass\n",
        encoding="utf-8",
    )
    assert missing_test("tests/test_x.py", "test_a", tmp_path) is None
    assert missing_test("tests/test_x.py", "test_a[case one]", tmp_path) is None
    assert missing_test("tests/test_x.py", "TestB::test_c", tmp_path) is None
    assert "no test_gone" in str(missing_test("tests/test_x.py", "test_gone", tmp_path))
    assert "not a test" in str(missing_test("tests/test_x.py", "helper", tmp_path))
    assert "TestB::test_d" in str(missing_test("tests/test_x.py", "TestB::test_d", tmp_path))
    assert "does not exist" in str(missing_test("tests/test_y.py", "test_a", tmp_path))
    assert resolves("kringloop.vetting.vet_query")
    assert resolves("kringloop.store.guard.Gate.exclusive")
    assert not resolves("kringloop.vetting.vet_queries")
    assert not resolves("kringloop.nonexistent.thing")
    text = f"{TABLE_HEADING}\n\n| {' | '.join(COLUMNS)} |\n|---|---|---|---|---|\n"
    refs = "`tests/c.py::test_d`<br>`tests/e.py::test_f[1]`"
    text += f"| X1 | t \\|\\| u | `kringloop.a` | `--b` | {refs} |\n\n"
    (row,) = table_rows(text)
    assert named_tests(row) == [("tests/c.py", "test_d"), ("tests/e.py", "test_f[1]")]
    assert CODE_REF.findall(row.cells["protection"]) == ["kringloop.a"]
    assert row.cells["threat"] == "t || u"


# -- docs/operations.md ----------------------------------------------------------------------


def fenced_blocks(text: str, languages: tuple[str, ...]) -> list[str]:
    return [
        match.group(2)
        for match in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
        if match.group(1) in languages
    ]


def command_lines(text: str) -> list[list[str]]:
    """Each ``.../bin/kringloop`` invocation in the shell blocks, as argument lists."""
    commands: list[list[str]] = []
    for block in fenced_blocks(text, ("sh", "bash", "console")):
        for line in block.replace("\\\n", " ").splitlines():
            # A command substitution is one word to the command: ``$(date +%F)``.
            line = COMMAND_SUBSTITUTION.sub("SUBSTITUTED", line)
            commands.extend(_invocations(shlex.split(line, comments=True)))
    for block in fenced_blocks(text, ("ini", "systemd")):
        for line in block.splitlines():
            if line.startswith("ExecStart="):
                command = COMMAND_SUBSTITUTION.sub("SUBSTITUTED", line.partition("=")[2])
                commands.extend(_invocations(shlex.split(command.replace("%%", "%"))))
    return commands


def _invocations(tokens: list[str]) -> list[list[str]]:
    found: list[list[str]] = []
    for index, token in enumerate(tokens):
        if " " in token and "bin/kringloop" in token:  # sh -c '... kringloop ...'
            found.extend(_invocations(shlex.split(token)))
        elif token.endswith("bin/kringloop"):
            arguments: list[str] = []
            for argument in tokens[index + 1 :]:
                if argument in SHELL_OPERATORS or argument.startswith(("<", ">", "2>", "&>")):
                    break
                arguments.append(argument)
            found.append(arguments)
    return found


@cache
def operations_text() -> str:
    return OPERATIONS.read_text(encoding="utf-8")


def operations_commands() -> list[list[str]]:
    """Each distinct command line of operations.md, in the order they appear."""
    unique = dict.fromkeys(tuple(arguments) for arguments in command_lines(operations_text()))
    return [list(arguments) for arguments in unique]


def parses(arguments: list[str]) -> bool:
    try:
        build_parser().parse_args(arguments)
    except SystemExit as stop:
        return stop.code == 0
    return True


def test_operations_documents_every_command() -> None:
    used = {arguments[0] for arguments in operations_commands() if arguments}
    assert {"serve", "partners", "backup", "restore", "harvest"} <= used, used


@pytest.mark.parametrize("arguments", operations_commands(), ids=shlex.join)
def test_every_documented_command_parses(
    arguments: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert parses(arguments), capsys.readouterr().err


def test_every_variable_and_toml_key_is_a_setting() -> None:
    text = operations_text()
    variables = set(re.findall(r"\bKRINGLOOP_[A-Z_]+\b", text))
    known = {spec.env_name for spec in setting_table()} | OTHER_VARIABLES
    assert variables, "operations.md names the settings' variables"
    assert variables <= known, variables - known
    names = {spec.name for spec in setting_table()}
    tables = [tomllib.loads(block) for block in fenced_blocks(text, ("toml",))]
    assert tables, "operations.md shows a settings file"
    for table in tables:
        keys = {key.replace("-", "_") for key in table}
        assert keys <= names, keys - names


def test_the_command_check_catches_a_wrong_flag(capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "```sh\nsudo -u kringloop /opt/k/.venv/bin/kringloop backup --data-dir /d \\\n"
        "    /b-$(date +%F).tar.gz && echo done\n"
        ".venv/bin/kringloop restore --frce x.tar.gz 2>&1 | cat\n```\n"
        "```ini\nExecStart=/opt/k/.venv/bin/kringloop serve --config /etc/k.toml\n"
        "ExecStart=/bin/sh -c 'exec /k/bin/kringloop backup /b-$(date +%%F).tar.gz'\n```\n"
    )
    commands = command_lines(text)
    assert commands == [
        ["backup", "--data-dir", "/d", "/b-SUBSTITUTED.tar.gz"],
        ["restore", "--frce", "x.tar.gz"],
        ["serve", "--config", "/etc/k.toml"],
        ["backup", "/b-SUBSTITUTED.tar.gz"],
    ]
    assert parses(commands[0]) and parses(commands[2]) and parses(commands[3])
    assert not parses(commands[1])
    assert "--frce" in capsys.readouterr().err


def nginx_sizes(block: str) -> dict[str, tuple[int, float]]:
    """Per ``location`` (``server`` for the default): body limit in bytes, read timeout in s."""
    server = block[block.index("listen 443") :]
    default_size = _nginx_bytes(re.findall(r"^    client_max_body_size (\w+);", server, re.M)[0])
    default_read = float(re.findall(r"^    proxy_read_timeout (\d+)s;", server, re.M)[0])
    found = {"server": (default_size, default_read)}
    for path, body in re.findall(r"location (?:= )?(\S+) \{(.*?)\}", server, re.S):
        size = re.search(r"client_max_body_size (\w+);", body)
        read = re.search(r"proxy_read_timeout (\d+)s;", body)
        found[path] = (
            _nginx_bytes(size.group(1)) if size else default_size,
            float(read.group(1)) if read else default_read,
        )
    return found


def _nginx_bytes(value: str) -> int:
    units = {"k": 1024, "m": 1024 * 1024}
    return int(value[:-1]) * units[value[-1]] if value[-1] in units else int(value)


def test_the_proxy_limits_fit_the_service_defaults() -> None:
    """The nginx block lets through what the service accepts, and waits long enough."""
    from kringloop.settings import Settings

    defaults = Settings()
    (block,) = fenced_blocks(operations_text(), ("nginx",))
    limits = nginx_sizes(block)
    assert limits["/graph-store"][0] > defaults.max_upload_bytes
    assert limits["/validate"][0] > defaults.max_validate_bytes
    assert limits["server"][0] >= 4 * defaults.max_query_bytes + 64 * 1024
    assert limits["server"][1] > defaults.query_deadline
    assert limits["server"][1] > defaults.federation_timeout
    (caddy,) = fenced_blocks(operations_text(), ("caddyfile",))
    sizes = [
        int(number) * {"KiB": 1024, "MiB": 1024 * 1024}[unit]
        for number, unit in re.findall(r"max_size (\d+)(KiB|MiB)", caddy)
    ]
    assert sorted(sizes) == sorted(
        [limits["/graph-store"][0], limits["/validate"][0], limits["server"][0]]
    )
