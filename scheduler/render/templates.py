"""Editors' templates, loaded into Jinja2's sandbox: a template can format data, never reach Python."""

from __future__ import annotations

import traceback
from functools import lru_cache
from pathlib import Path

import jinja2

from scheduler.render import RenderError, filters
from scheduler.render.missing import NEEDS, EditorSandbox
from scheduler.render.sandbox import TemplateTooCostly


@lru_cache(maxsize=8)
def environment(templates_dir: Path) -> EditorSandbox:
    env = EditorSandbox(
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


def located_error(template: jinja2.Template, error: Exception, reason: str | None = None) -> RenderError:
    """A RenderError at the template file and line the error came from.

    Jinja puts template lines in the traceback; the last `.j2` frame is the innermost template (a base
    template or an include when the error is there, not in the template that extends it).
    """
    if reason is None:
        reason = template_error_reason(error)
    name, line = template.name, getattr(error, "lineno", None)
    if line is None:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".j2")]
        if frames:
            line = frames[-1].lineno
            if frames[-1].filename != template.filename:
                name = _template_name(template, frames[-1].filename)
    where = f"{name}, line {line}" if line else f"{name}"
    return RenderError(f"{where}: {reason}", template=name, line=line, reason=reason)


def template_error_reason(error: Exception) -> str:
    if isinstance(error, jinja2.UndefinedError):
        if (error.message or "").startswith(NEEDS):
            return error.message or ""
        return f"{error.message}; check the names the template uses"
    if isinstance(error, TemplateTooCostly):
        return f"this template does too much work: {error}"
    if isinstance(error, jinja2.exceptions.SecurityError):
        return f"not allowed in a template: {error}"
    if isinstance(error, jinja2.TemplateError):
        return str(error)
    if isinstance(error, RecursionError):
        return "the template includes itself without end"
    return cannot_be_done(error)


def cannot_be_done(error: Exception) -> str:
    """A template's own mistake (`'x' * 'y'`, 1/0) in the editor's words, not Python's class name."""
    return f"this cannot be worked out ({error}); check the values and filters on this line"


def _template_name(template: jinja2.Template, filename: str) -> str:
    """`cards/_base.html.j2` for a frame in that file, found relative to the template's own folder."""
    if template.filename and template.name:
        root = Path(template.filename).parents[len(Path(template.name).parts) - 1]
        try:
            return Path(filename).relative_to(root).as_posix()
        except ValueError:
            pass
    return filename
