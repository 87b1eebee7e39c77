"""Settings: flag > environment > config file > default; every setting documented once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from servicekit import clean_environment

from kringloop.cli import build_parser
from kringloop.cli.serve import settings_from_arguments
from kringloop.errors import ConfigurationError
from kringloop.paths import project_root
from kringloop.settings import Settings, setting_table, settings_markdown


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kringloop.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_precedence_flag_environment_file_default(tmp_path: Path) -> None:
    config = write_config(tmp_path, "query_deadline = 3\nresult_cap = 50\nthreads = 2\n")
    environ = {"KRINGLOOP_QUERY_DEADLINE": "4.5", "KRINGLOOP_RESULT_CAP": "60"}
    settings = Settings.load({"query_deadline": 7.0}, environ, config)
    assert settings.query_deadline == 7.0  # flag
    assert settings.result_cap == 60  # environment
    assert settings.threads == 2  # file
    assert settings.max_query_depth == Settings().max_query_depth  # default


def test_config_file_from_the_environment(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'cors-origin = "https://example.org"\nload_bundled = false\n')
    settings = Settings.load(environ={"KRINGLOOP_CONFIG": str(config)})
    assert settings.cors_origin == "https://example.org"
    assert settings.load_bundled is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("query_dedline = 3\n", "unknown setting 'query_dedline'"),
        ('query_deadline = "soon"\n', "expected float"),
        ("port = true\n", "boolean"),
        ("port = [\n", "not valid TOML"),
        ("port = 70000\n", "port number"),
        ("query_deadline = -1\n", "must be positive"),
        ('engine_results_format = "xml"\n', "must be tsv or json"),
    ],
)
def test_bad_config_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.load(config_file=write_config(tmp_path, text))


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="KRINGLOOP_RESULT_CAP"):
        Settings.load(environ={"KRINGLOOP_RESULT_CAP": "many"})
    assert Settings.load(environ={"KRINGLOOP_LOAD_BUNDLED": "no"}).load_bundled is False


def test_flags_are_generated_from_the_table(tmp_path: Path) -> None:
    config = write_config(tmp_path, "result_cap = 5\n")
    args = build_parser().parse_args(
        ["serve", "--config", str(config), "--query-deadline", "2.5", "--no-load-bundled"]
    )
    settings = settings_from_arguments(args)
    assert (settings.query_deadline, settings.load_bundled, settings.result_cap) == (2.5, False, 5)
    help_text = build_parser()._subparsers._group_actions[0].choices["serve"].format_help()  # type: ignore[union-attr]
    for spec in setting_table():
        assert f"--{spec.flag}" in help_text
        assert spec.env_name in help_text


def test_settings_round_trip_through_the_environment() -> None:
    settings = Settings(query_deadline=2.5, load_bundled=False, engine_query_url="http://h:1/q")
    assert Settings.load(environ=settings.to_environment()) == settings


def test_readme_lists_every_setting() -> None:
    readme = (project_root() / "README.md").read_text(encoding="utf-8")
    assert settings_markdown() in readme, "regenerate the README's settings table"


def test_cli_reports_bad_settings_without_traceback(tmp_path: Path) -> None:
    config = write_config(tmp_path, "nonsense = 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "kringloop", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "unknown setting 'nonsense'" in result.stderr
    assert "Traceback" not in result.stderr
