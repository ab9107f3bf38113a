"""Account secrets, encrypted at rest with Fernet; the key comes from SCHEDULER_SECRET_KEY only.

SCHEDULER_SECRET_KEY holds one Fernet key, or several separated by commas: the first encrypts, all
of them decrypt. To rotate, put a new key first and keep the old one after it, run
`scheduler secrets rotate` (every secret encrypted again with the new key), then drop the old key.

A sealed value starts with the fingerprint of the key that sealed it (`fp1a2b3c4d:` and the Fernet
token), so that a process without that key can say which key it lacks; the fingerprint is a hash of
the key and tells nothing of it. Values sealed before fingerprints have none and still open.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

GENERATE_COMMAND = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class VaultError(ValueError):
    """Secrets that cannot be sealed or opened; the message says what to do (never what they are)."""


class KeyMissing(VaultError):
    """Secrets sealed with a key this process does not have (it started before a key rotation, say)."""

    def __init__(self, message: str, *, fingerprint: str) -> None:
        super().__init__(message)
        self.fingerprint = fingerprint


PREFIX = "fp"


def fingerprint(key: str) -> str:
    """A short name for a key, safe to log and show: the start of its SHA-256."""
    return PREFIX + hashlib.sha256(key.strip().encode()).hexdigest()[:8]


def key_fingerprints(keys: str | None) -> list[str]:
    """The fingerprints of SCHEDULER_SECRET_KEY's keys, the sealing one first."""
    return [fingerprint(key) for key in (keys or "").split(",") if key.strip()]


def sealed_with(token: str) -> str | None:
    """The fingerprint of the key a sealed value was sealed with (None when sealed before they were kept)."""
    head, colon, _ = token.partition(":")
    return head if colon and head.startswith(PREFIX) else None


def _token(sealed: str) -> str:
    return sealed.partition(":")[2] if sealed_with(sealed) else sealed


def _fernet(keys: str | None) -> MultiFernet:
    if not keys or not keys.strip():
        raise VaultError(
            "SCHEDULER_SECRET_KEY is not set, and accounts with credentials need it: generate one with "
            f"`{GENERATE_COMMAND}`, keep it safe, and set it for every scheduler process"
        )
    try:
        return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])
    except (ValueError, TypeError):
        raise VaultError(
            "SCHEDULER_SECRET_KEY is not a Fernet key (32 url-safe base64 bytes); "
            f"make one with `{GENERATE_COMMAND}`"
        ) from None


def seal(secrets: Mapping[str, str], keys: str | None) -> str:
    """The secrets as one Fernet token (text), encrypted with the first key, after its fingerprint."""
    token = _fernet(keys).encrypt(json.dumps(dict(secrets), sort_keys=True).encode()).decode()
    return f"{key_fingerprints(keys)[0]}:{token}"


def unseal(token: str, keys: str | None, *, account: str) -> dict[str, str]:
    try:
        data = _fernet(keys).decrypt(_token(token).encode())
    except InvalidToken:
        raise _missing(token, keys, f"the secrets of account {account!r}") from None
    secrets = json.loads(data)
    if not isinstance(secrets, dict):
        raise VaultError(f"the secrets of account {account!r} are damaged: add the account again")
    return {str(k): str(v) for k, v in secrets.items()}


def reseal(token: str, keys: str | None) -> str:
    """The same secrets encrypted with the first key (MultiFernet.rotate), after its fingerprint."""
    try:
        return f"{key_fingerprints(keys)[0]}:{_fernet(keys).rotate(_token(token).encode()).decode()}"
    except InvalidToken:
        raise _missing(token, keys, "a secret") from None


def _missing(token: str, keys: str | None, what: str) -> VaultError:
    """Which key `what` needs and this process lacks, and what to do."""
    have = ", ".join(key_fingerprints(keys))
    needed = sealed_with(token)
    if needed is None:
        return VaultError(
            f"{what} do not open with SCHEDULER_SECRET_KEY (its keys: {have}): set the key they were "
            "sealed with (old keys may follow the new one, comma-separated), or add the account again"
        )
    return KeyMissing(
        f"{what} were sealed with key {needed}, which this process does not have (its keys: {have}): "
        "start it with the SCHEDULER_SECRET_KEY in use now (after `scheduler secrets rotate`, every "
        "worker and web process needs the new key)",
        fingerprint=needed,
    )
