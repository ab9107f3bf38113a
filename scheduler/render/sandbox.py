"""Jinja2's sandbox with a budget: no template can run away with the process's time or memory.

The sandbox already refuses every way out to Python; alone it lets `{{ 'x' * 10**9 }}` take 4 GB and
two nested `range(100000)` loops take hours. Here the operators and filters that multiply size check
the size they would make before making it, `range` and the output count against a budget of steps
and characters, and the whole render against a wall-clock deadline. A template over any of them fails
with TemplateTooCostly, which the callers turn into "this template does too much work" at its line.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

# Far more than any post or card needs (a card's HTML is a few kilobytes; a post, a few hundred
# characters), and small enough that a render can never hold much memory or time.
MAX_OUTPUT_CHARACTERS = 200_000
MAX_VALUE_CHARACTERS = 200_000  # a string or list a single operation may build
MAX_STEPS = 1_000_000  # range items and output pieces, together
MAX_SECONDS = 2.0
# A check or a preview renders many templates (each for every network): all of them together get this
# long, so that one runaway template in them answers in seconds, not once per render.
MAX_TRIAL_SECONDS = 2 * MAX_SECONDS
MAX_EXPONENT_BITS = 4_096
WIDE_FORMAT = re.compile(r"%[-+ #0]*(\d+)(?:\.(\d+))?")


class TemplateTooCostly(jinja2.exceptions.SecurityError):
    """The template asked for more time or memory than any template may have."""


@dataclass
class Budget:
    deadline: float
    seconds: float = MAX_SECONDS  # what the deadline allows, for the message
    steps: int = 0
    characters: int = 0

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_STEPS:
            raise TemplateTooCostly(f"it loops more than {MAX_STEPS:,} times")
        if self.steps % 1024 == 0 and time.monotonic() > self.deadline:
            raise TemplateTooCostly(f"it ran for more than {self.seconds:g} s")

    def emit(self, text: str) -> None:
        self.characters += len(text)
        if self.characters > MAX_OUTPUT_CHARACTERS:
            raise TemplateTooCostly(f"its output passed {MAX_OUTPUT_CHARACTERS:,} characters")
        self.step()


_budget: ContextVar[Budget | None] = ContextVar("template_budget", default=None)
_trial_deadline: ContextVar[float | None] = ContextVar("template_trial_deadline", default=None)


@contextmanager
def trial_budget(seconds: float = MAX_TRIAL_SECONDS) -> Iterator[None]:
    """Every render inside shares one deadline, `seconds` from now (each still has its own limits)."""
    token = _trial_deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _trial_deadline.reset(token)


def _current() -> Budget:
    # Outside render_bounded (a template rendered some other way) the limits still hold, per call.
    return _budget.get() or Budget(deadline=time.monotonic() + MAX_SECONDS)


def _sized(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple | bytes) else None


def _check_size(size: int, what: str) -> None:
    if size > MAX_VALUE_CHARACTERS:
        raise TemplateTooCostly(f"{what} would make {size:,} items (at most {MAX_VALUE_CHARACTERS:,})")


class BoundedRange:
    """`range` for templates: a range whose every item, as it is iterated, counts against the budget."""

    def __init__(self, *args: int) -> None:
        self.numbers = range(*args)
        self.budget = _current()

    def __iter__(self) -> Iterator[int]:
        return self._counted(self.numbers)

    def __reversed__(self) -> Iterator[int]:
        return self._counted(reversed(self.numbers))

    def _counted(self, numbers: Iterator[int] | range) -> Iterator[int]:
        for number in numbers:
            self.budget.step()
            yield number

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, index: int) -> int:
        return self.numbers[index]

    def __contains__(self, number: object) -> bool:
        return number in self.numbers


class BoundedSandbox(SandboxedEnvironment):
    """SandboxedEnvironment whose size-multiplying operators and filters check before they build."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = BoundedRange
        for name in ("center", "indent", "format", "join", "wordwrap"):
            self.filters[name] = _bounded_filter(name, self.filters[name])

    def call_binop(self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                size = _sized(sequence)
                if size is not None and isinstance(times, int):
                    _check_size(size * max(times, 0), "repeating")
        elif operator == "**":
            whole = isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1
            if whole and right * abs(left).bit_length() > MAX_EXPONENT_BITS:
                raise TemplateTooCostly(f"{left} ** {right} is too large a number")
        elif operator == "+":
            left_size, right_size = _sized(left), _sized(right)
            if left_size is not None and right_size is not None:
                _check_size(left_size + right_size, "joining")
        elif operator == "%" and isinstance(left, str):
            _check_format(left)
        return super().call_binop(context, operator, left, right)


def _check_format(pattern: str) -> None:
    for width, precision in WIDE_FORMAT.findall(pattern):
        if int(width or 0) > MAX_VALUE_CHARACTERS or int(precision or 0) > MAX_VALUE_CHARACTERS:
            raise TemplateTooCostly(f"the format {pattern[:40]!r} asks for a field that wide")


def _bounded_filter(name: str, original: Any) -> Any:
    def bounded(*args: Any, **kwargs: Any) -> Any:
        values = [a for a in args if not isinstance(a, jinja2.runtime.Context | jinja2.Environment)]
        value = values[0] if values else None
        if name == "format" and isinstance(value, str):
            _check_format(value)
        widths = [
            a for a in (*values[1:], *kwargs.values()) if isinstance(a, int) and not isinstance(a, bool)
        ]
        if name in ("center", "indent") and widths:
            lines = str(value).count("\n") + 1 if value is not None else 1
            _check_size(max(widths) * lines, name)
        result = original(*args, **kwargs)
        if isinstance(result, str):
            _check_size(len(result), name)
        return result

    # Keep Jinja's pass_context / pass_eval_context / pass_environment mark, so it calls it as before.
    if hasattr(original, "jinja_pass_arg"):
        bounded.jinja_pass_arg = original.jinja_pass_arg  # type: ignore[attr-defined]
    return bounded


def render_bounded(template: jinja2.Template, context: Mapping[str, Any]) -> str:
    """The template's output, within the budget; TemplateTooCostly (at its line) past it."""
    own, trial = time.monotonic() + MAX_SECONDS, _trial_deadline.get()
    if trial is not None and trial < own:
        budget = Budget(deadline=trial, seconds=MAX_TRIAL_SECONDS)
    else:
        budget = Budget(deadline=own)
    token = _budget.set(budget)
    try:
        pieces = []
        for piece in template.generate(context):
            budget.emit(piece)
            pieces.append(piece)
        return "".join(pieces)
    finally:
        _budget.reset(token)
