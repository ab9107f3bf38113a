"""Rendering: post text from editors' templates."""


class RenderError(ValueError):
    """A post that cannot be rendered; the message names the template and what went wrong."""
