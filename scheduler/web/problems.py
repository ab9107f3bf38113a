"""What a refused request is told, made safe to send whatever it held: the client's own input comes back
short and always encodable (a lone surrogate, a 2 MB string or a deep list must not break the answer)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# An echo longer than this is cut: the client has its input, the answer need only point at it.
ECHO_CHARACTERS = 120
MAX_PROBLEMS = 20


def safe_text(value: str, limit: int = ECHO_CHARACTERS) -> str:
    """`value` as valid UTF-8 (lone surrogates become U+FFFD), cut to `limit` characters with an ellipsis."""
    cut = value if len(value) <= limit else value[: limit - 1] + "…"
    return cut.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _safe_echo(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, bytes):
        return safe_text(value.decode("utf-8", "replace"))
    # A container is shown by its kind and size, not echoed: it may be nested thousands deep.
    if isinstance(value, Mapping):
        return f"(an object of {len(value)} field(s))"
    if isinstance(value, Sequence):
        return f"(a list of {len(value)} item(s))"
    return safe_text(type(value).__name__)


def _safe_loc(part: Any) -> str | int:
    return part if isinstance(part, int) and not isinstance(part, bool) else safe_text(str(part), 60)


def safe_problems(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's errors in the API's ValidationError shape (loc, msg, type, input), each safe to encode."""
    problems = []
    for error in list(errors)[:MAX_PROBLEMS]:
        problem: dict[str, Any] = {
            "loc": [_safe_loc(part) for part in error.get("loc", ())][:10],
            "msg": safe_text(str(error.get("msg", "not valid")), 300),
            "type": safe_text(str(error.get("type", "value_error")), 60),
        }
        if "input" in error:
            problem["input"] = _safe_echo(error["input"])
        problems.append(problem)
    return problems
