"""Bearer tokens of partners and the administrator: issued once, stored as hashes.

The token text (``kl_`` + 32 random bytes, URL-safe base64) is shown once; the records
file (``tokens.json``, mode 0600) keeps only its SHA-256, when it was made and when it was
revoked. Verification compares hashes with :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kringloop.durable import atomic_write
from kringloop.errors import ConfigurationError

TOKEN_PREFIX = "kl_"  # noqa: S105 (a prefix, not a secret)
RECORDS_MODE = 0o600
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_RECORD_ID = re.compile(r"^t-[0-9a-f]{8}$")


@dataclass(frozen=True)
class TokenRecord:
    id: str
    owner: str
    sha256: str
    created: str
    revoked: str | None = None

    @property
    def live(self) -> bool:
        return self.revoked is None


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def issue(records: list[TokenRecord], owner: str) -> tuple[list[TokenRecord], str]:
    """Revoke ``owner``'s live tokens and add a new one; returns (records, token text)."""
    token = new_token()
    taken = {record.id for record in records}
    record_id = f"t-{secrets.token_hex(4)}"
    while record_id in taken:
        record_id = f"t-{secrets.token_hex(4)}"
    kept = revoke_owner(records, owner)
    return [*kept, TokenRecord(record_id, owner, token_hash(token), now_iso())], token


def revoke_owner(records: list[TokenRecord], owner: str) -> list[TokenRecord]:
    """The records with every live token of ``owner`` marked revoked now."""
    at = now_iso()
    return [
        replace(record, revoked=at) if record.owner == owner and record.live else record
        for record in records
    ]


def verify(records: list[TokenRecord], token: str) -> str | None:
    """The owner of the live token ``token``, or ``None``."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    digest = token_hash(token)
    owner = None
    for record in records:  # every record is compared: the time does not say which matched
        if hmac.compare_digest(record.sha256, digest) and record.live:
            owner = record.owner
    return owner


def load_records(path: Path) -> list[TokenRecord]:
    """The records in ``path``; none when it does not exist."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return []
    try:
        items = json.loads(raw)
        if not isinstance(items, list):
            raise ValueError("not a JSON array")
        return [_record(item) for item in items]
    except (ValueError, TypeError, KeyError) as error:
        raise ConfigurationError(f"token records file {path} is malformed: {error}") from error


def save_records(path: Path, records: list[TokenRecord]) -> None:
    data = json.dumps([asdict(record) for record in records], indent=2) + "\n"
    atomic_write(path, data.encode("utf-8"), mode=RECORDS_MODE)


def _record(item: Any) -> TokenRecord:
    if not isinstance(item, dict):
        raise ValueError("a record is not a JSON object")
    record = TokenRecord(
        id=str(item["id"]),
        owner=str(item["owner"]),
        sha256=str(item["sha256"]),
        created=str(item["created"]),
        revoked=None if item.get("revoked") is None else str(item["revoked"]),
    )
    if not _RECORD_ID.match(record.id) or not _HEX64.match(record.sha256):
        raise ValueError(f"record {record.id!r} has a malformed id or sha256")
    return record
