"""Account secrets, encrypted at rest with Fernet; the key comes from SCHEDULER_SECRET_KEY only.

SCHEDULER_SECRET_KEY holds one Fernet key, or several separated by commas: the first encrypts, all
of them decrypt. To rotate, put a new key first and keep the old one after it, run
`scheduler secrets rotate` (every secret encrypted again with the new key), then drop the old key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

GENERATE_COMMAND = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


class VaultError(ValueError):
    """Secrets that cannot be sealed or opened; the message says what to do (never what they are)."""


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
    """The secrets as one Fernet token (text), encrypted with the first key."""
    return _fernet(keys).encrypt(json.dumps(dict(secrets), sort_keys=True).encode()).decode()


def unseal(token: str, keys: str | None, *, account: str) -> dict[str, str]:
    try:
        data = _fernet(keys).decrypt(token.encode())
    except InvalidToken:
        raise VaultError(
            f"the secrets of account {account!r} do not open with SCHEDULER_SECRET_KEY: set the key they "
            "were sealed with (old keys may follow the new one, comma-separated), or add the account again"
        ) from None
    secrets = json.loads(data)
    if not isinstance(secrets, dict):
        raise VaultError(f"the secrets of account {account!r} are damaged: add the account again")
    return {str(k): str(v) for k, v in secrets.items()}


def reseal(token: str, keys: str | None) -> str:
    """The same secrets encrypted with the first key (MultiFernet.rotate)."""
    try:
        return _fernet(keys).rotate(token.encode()).decode()
    except InvalidToken:
        raise VaultError("a secret does not open with any key in SCHEDULER_SECRET_KEY") from None
