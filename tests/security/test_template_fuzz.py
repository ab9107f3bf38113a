"""A fuzzed corpus of templates: expressions and loops that multiply size, built at random (seeded, so a
failure can be run again) from the operators, filters and loops the sandbox bounds, nested a few deep.
Every one renders or fails with a template error; none takes longer than the budget or more memory
than a render may have."""

from __future__ import annotations

import random
import resource
import time

import pytest

from scheduler.render.sandbox import MAX_SECONDS, BoundedSandbox, TemplateTooCostly, render_bounded

SEEDS = range(8)
TEMPLATES_PER_SEED = 40
SIZES = ["1", "7", "1000", "100000", "10**6", "10**9", "2**64", "-1"]
VALUES = ["'x'", "'ab'", "[1]", "[1, 2]", "range(3)", "'%s'", "article.title", "(1, 2)"]


def expression(rng: random.Random, depth: int) -> str:
    if depth == 0:
        return rng.choice([*VALUES, *SIZES])
    left, right = expression(rng, depth - 1), expression(rng, depth - 1)
    size = rng.choice(SIZES)
    return rng.choice(
        [
            f"({left} * {right})",
            f"({left} + {right})",
            f"({left} ** {size})",
            f"({left} % {right})",
            f"({left} | join({right}))",
            f"({left} | center({size}))",
            f"({left} | indent({size}))",
            f"({left} | wordwrap({size}))",
            f"('%{size}s' | format({left}))",
            f"(range({size}) | list | length)",
            f"({left} | string | length)",
            f"({left} | list)",
        ]
    )


def template(rng: random.Random) -> str:
    body = "{{ " + expression(rng, rng.randint(1, 3)) + " }}"
    for _ in range(rng.randint(0, 3)):
        size = rng.choice(SIZES)
        body = rng.choice(
            [
                f"{{% for i in range({size}) %}}{body}{{% endfor %}}",
                f"{{% set s = {expression(rng, 1)} %}}{body}{{{{ s }}}}",
                f"{{% for i in range({size}) %}}{{% set _ = [i] * {size} %}}{body}{{% endfor %}}",
            ]
        )
    return body


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("seed", SEEDS)
def test_no_fuzzed_template_runs_away(seed: int) -> None:
    rng = random.Random(seed)
    env = BoundedSandbox()
    before = peak_mb()
    outcomes = {"rendered": 0, "too costly": 0, "a mistake": 0}
    for _ in range(TEMPLATES_PER_SEED):
        source = template(rng)
        started = time.monotonic()
        try:
            render_bounded(env.from_string(source), {"article": {"title": "A headline"}})
            outcomes["rendered"] += 1
        except TemplateTooCostly:
            outcomes["too costly"] += 1
        except Exception:
            # The template's own mistake ('x' * 'y', indent on a number): render.text and render.cards
            # show any of them at the template's line, as they do TemplateTooCostly.
            outcomes["a mistake"] += 1
        took = time.monotonic() - started
        assert took < MAX_SECONDS + 1.5, f"{source!r} ran {took:.1f} s"
    grew = peak_mb() - before
    print(f"seed {seed}: {outcomes}, peak memory grew {grew:.0f} MB")
    assert grew < 200, f"the corpus of seed {seed} took {grew:.0f} MB"
    assert outcomes["rendered"] and outcomes["too costly"], "the corpus holds both kinds"
