"""Tokens: shown once, stored as SHA-256 only, verified against live records only."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from kringloop.errors import ConfigurationError
from kringloop.partners import tokens


def test_a_token_is_random_prefixed_and_stored_only_as_its_hash(tmp_path: Path) -> None:
    records, token = tokens.issue([], "cirkelregio-utrecht")
    _, other = tokens.issue([], "cirkelregio-utrecht")
    assert token.startswith("kl_") and len(token) >= 40 and token != other
    path = tmp_path / "tokens.json"
    tokens.save_records(path, records)
    text = path.read_text(encoding="utf-8")
    assert token not in text and token[3:] not in text
    [record] = json.loads(text)
    assert record["owner"] == "cirkelregio-utrecht"
    assert record["sha256"] == tokens.token_hash(token)
    assert record["revoked"] is None and record["id"].startswith("t-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tokens.load_records(path) == records


def test_verify_finds_the_owner_of_a_live_token_only() -> None:
    records, first = tokens.issue([], "a")
    records, admin = tokens.issue(records, "admin")
    assert tokens.verify(records, first) == "a"
    assert tokens.verify(records, admin) == "admin"
    assert tokens.verify(records, first + "x") is None
    assert tokens.verify(records, "") is None
    assert tokens.verify(records, tokens.token_hash(first)) is None  # the hash is no token
    records, second = tokens.issue(records, "a")  # issuing revokes the owner's old tokens
    assert tokens.verify(records, first) is None
    assert tokens.verify(records, second) == "a"
    assert tokens.verify(records, admin) == "admin"  # other owners keep theirs
    records = tokens.revoke_owner(records, "a")
    assert tokens.verify(records, second) is None
    assert [record.owner for record in records if record.live] == ["admin"]


def test_an_absent_records_file_is_empty_and_a_broken_one_is_an_error(tmp_path: Path) -> None:
    assert tokens.load_records(tmp_path / "absent.json") == []
    broken = tmp_path / "tokens.json"
    broken.write_text('[{"id": "t-1", "owner": "a"}]', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="malformed"):
        tokens.load_records(broken)
    broken.write_text('{"not": "a list"}', encoding="utf-8")
    with pytest.raises(ConfigurationError, match="malformed"):
        tokens.load_records(broken)
