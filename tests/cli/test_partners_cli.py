"""``kringloop partners``: the real console script on a temporary data directory."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from kringloop.partners.registry import ADMIN, Registry

KRINGLOOP = Path(sys.executable).with_name("kringloop")
REF = "cirkelregio-utrecht"


def kringloop(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key != "KRINGLOOP_DATA_DIR"}
    environment.update(env or {})
    return subprocess.run(
        [str(KRINGLOOP), "partners", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def add(data_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return kringloop(
        "add", REF, "--label", "Cirkelregio Utrecht", "--data-dir", str(data_dir), *extra
    )


def test_add_prints_the_token_once_and_stores_only_its_hash(tmp_path: Path) -> None:
    result = add(
        tmp_path,
        "--organisation",
        "https://identifier.overheid.nl/tooi/id/gemeente/gm0344",
        "--graph",
        "https://data.cirkelregio.nl/graaf/a",
        "--graph",
        "https://data.cirkelregio.nl/graaf/b",
        "--namespace",
        "https://data.cirkelregio.nl/id/",
        "--endpoint",
        "http://127.0.0.1:7001/query",
        "--dump",
        "https://data.cirkelregio.nl/dump.nt",
        "--contact-name",
        "Loket",
        "--contact-email",
        "loket@cirkelregio.example",
    )
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("kl_") and "\n" not in token
    assert "will not be shown again" in result.stderr
    assert token not in result.stderr
    registry = Registry.open(tmp_path)
    assert registry.authenticate(token) == REF
    partner = registry.get(REF)
    assert partner is not None and partner.endpoint == "http://127.0.0.1:7001/query"
    assert len(partner.graphs) == 3 and partner.contact_email == "loket@cirkelregio.example"
    for name in ("registry.ttl", "tokens.json"):
        assert token not in (tmp_path / "partners" / name).read_text(encoding="utf-8")
    assert stat.S_IMODE((tmp_path / "partners" / "tokens.json").stat().st_mode) == 0o600


def test_list_in_table_and_json(tmp_path: Path) -> None:
    empty = kringloop("list", "--data-dir", str(tmp_path))
    assert empty.returncode == 0 and "(0 rows)" in empty.stdout
    assert add(tmp_path, "--endpoint", "http://127.0.0.1:7001/query").returncode == 0
    table = kringloop("list", "--data-dir", str(tmp_path))
    assert table.returncode == 0, table.stderr
    assert REF in table.stdout and "http://127.0.0.1:7001/query" in table.stdout
    assert "(1 row)" in table.stdout
    listed = kringloop("list", "--format", "json", "--data-dir", str(tmp_path))
    document = json.loads(listed.stdout)
    [partner] = document["partners"]
    assert partner["ref"] == REF and partner["tokens"] == 1
    assert partner["graphs"] == ["https://w3id.org/kringloop/id/graaf/partner-cirkelregio-utrecht"]
    assert document["admin_tokens"] == 0
    assert "kl_" not in listed.stdout


def test_rotate_token_for_a_partner_and_the_administrator(tmp_path: Path) -> None:
    first = add(tmp_path).stdout.strip()
    rotated = kringloop("rotate-token", REF, "--data-dir", str(tmp_path))
    assert rotated.returncode == 0, rotated.stderr
    second = rotated.stdout.strip()
    admin = kringloop("rotate-token", ADMIN, "--data-dir", str(tmp_path))
    assert admin.returncode == 0 and "will not be shown again" in admin.stderr
    registry = Registry.open(tmp_path)
    assert registry.authenticate(first) is None
    assert registry.authenticate(second) == REF
    assert registry.authenticate(admin.stdout.strip()) == ADMIN


def test_remove_revokes_the_partner(tmp_path: Path) -> None:
    token = add(tmp_path).stdout.strip()
    removed = kringloop("remove", REF, "--data-dir", str(tmp_path))
    assert removed.returncode == 0 and removed.stdout == ""
    registry = Registry.open(tmp_path)
    assert registry.get(REF) is None and registry.authenticate(token) is None


def test_the_data_dir_setting_comes_from_the_environment(tmp_path: Path) -> None:
    result = kringloop(
        "add", REF, "--label", "Cirkelregio", env={"KRINGLOOP_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    assert Registry.open(tmp_path).get(REF) is not None


def test_errors_exit_2_with_a_clear_message_and_change_nothing(tmp_path: Path) -> None:
    assert add(tmp_path).returncode == 0
    before = (tmp_path / "partners" / "registry.ttl").read_bytes()
    cases = [
        (add(tmp_path), "already registered"),
        (kringloop("add", "Bad_Ref", "--label", "x", "--data-dir", str(tmp_path)), "not valid"),
        (
            kringloop(
                "add", "x", "--label", "X", "--endpoint", "ftp://x/y", "--data-dir", str(tmp_path)
            ),
            "http:// or https://",
        ),
        (
            kringloop(
                "add",
                "x",
                "--label",
                "X",
                "--graph",
                "https://w3id.org/kringloop/id/graaf/begrippen",
                "--data-dir",
                str(tmp_path),
            ),
            "province graph",
        ),
        (kringloop("remove", "nobody", "--data-dir", str(tmp_path)), "unknown partner 'nobody'"),
        (kringloop("rotate-token", "nobody", "--data-dir", str(tmp_path)), "unknown partner"),
    ]
    for result, message in cases:
        assert result.returncode == 2, result.args
        assert result.stderr.startswith("kringloop partners: "), result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
        assert result.stdout == ""
    assert (tmp_path / "partners" / "registry.ttl").read_bytes() == before
    missing_label = kringloop("add", "x", "--data-dir", str(tmp_path))
    assert missing_label.returncode == 2 and "--label" in missing_label.stderr
