"""What editors and feeds do, once for every face (the CLI, the web pages, the API and the tasks):
add and import articles, follow feeds, plan campaigns, edit, approve, correct, withdraw, embargo,
pause, connect accounts, users. Imports publishing, planning and everything below them; never
tasks, cli or web (what must be sent is handed back, or the beat tick finds it in the database).
"""

from __future__ import annotations


class NewsroomError(ValueError):
    """A request that cannot be carried out; the message says what to do instead."""
