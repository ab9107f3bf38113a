"""Editors' templates, loaded into Jinja2's sandbox: a template can format data, never reach Python."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from scheduler.render import RenderError, filters


@lru_cache(maxsize=8)
def environment(templates_dir: Path) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(templates_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters.register(env)
    return env


def post_template(templates_dir: Path, network: str, step: str) -> jinja2.Template:
    """`posts/<network>/<step>.txt.j2`, falling back to `posts/default/<step>.txt.j2`."""
    env = environment(templates_dir)
    names = [f"posts/{network}/{step}.txt.j2", f"posts/default/{step}.txt.j2"]
    try:
        return env.select_template(names)
    except jinja2.TemplatesNotFound:
        raise RenderError(
            f"no post template for step {step!r}: add one of {', '.join(names)} under {templates_dir}"
        ) from None
    except jinja2.TemplateSyntaxError as error:
        raise RenderError(f"{error.name or names[0]}, line {error.lineno}: {error.message}") from None
