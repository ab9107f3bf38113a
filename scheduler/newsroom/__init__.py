"""What editors and feeds do, once for every face (the CLI, the web pages, the API and the tasks):
add and import articles, follow feeds, plan campaigns, edit, approve, correct, withdraw, embargo,
pause, connect accounts, users. Imports publishing, planning and everything below them; never
tasks, cli or web (what must be sent is handed back, or the beat tick finds it in the database).
"""

from __future__ import annotations

from scheduler.wording import Worded


class NewsroomError(Worded, ValueError):
    """A request that cannot be carried out; the message says what to do instead.

    `field` names what the request got wrong, in the domain's words ("account", "step", "card",
    "text", "at"), for a face to put the message beside its own field, flag or JSON pointer.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
