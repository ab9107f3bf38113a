"""The web's words for the options the domain's errors name in the CLI's (scheduler.wording): the
pages speak of their fields and pages, the API of its JSON members; neither of flags or commands."""

from __future__ import annotations

import re

ACCOUNT_COMMAND = re.compile(r"`scheduler accounts (?P<what>slots|budget) (?P<name>[^ `]+)(?: --set …)?`")

PAGE_TERMS = {
    "--now": "“now (share it at once)”",
    "--queue": "“the account's next free slot”",
    "--at TIME": "a time",
    "--at 'YYYY-MM-DD HH:MM'": "a time (YYYY-MM-DD HH:MM)",
    "--card headline": "the headline card",
    "--account": "the account",
    "add it with `scheduler accounts add`": "an admin adds it on the Accounts page",
    "run `scheduler init` or `scheduler accounts add`": "an admin connects one on the Accounts page",
    "--accounts NAME[,NAME…]": "choose them",
    "`scheduler feeds list` shows it": "the Feeds page shows it",
    "--every 1": "1",
    ", or give --skip-bad to import the rest": "",
}

API_TERMS = {
    "--now": '"now": true',
    "--queue": 'neither "at" nor "now" (the next free slot)',
    "--at TIME": '"at"',
    "--at 'YYYY-MM-DD HH:MM'": '"at" (an ISO 8601 time with an offset)',
    "--card headline": '"card": "headline"',
    "--account": '"account"',
    "add it with `scheduler accounts add`": (
        "an admin adds it in the web app (GET /api/v1/accounts lists them)"
    ),
    "run `scheduler init` or `scheduler accounts add`": "an admin connects one in the web app",
    "--accounts NAME[,NAME…]": '"accounts"',
    "`scheduler feeds list` shows it": "GET /api/v1/feeds lists it",
    "--every 1": '"every_minutes": 1',
    ", or give --skip-bad to import the rest": "",
}


def page_words(option: str) -> str:
    command = ACCOUNT_COMMAND.fullmatch(option)
    if command:
        # Both are set in the account page's section "When it posts" (an admin's).
        return f"“When it posts” on the page of {command['name']} (/accounts/{command['name']})"
    return PAGE_TERMS.get(option, option)


def api_words(option: str) -> str:
    command = ACCOUNT_COMMAND.fullmatch(option)
    if command:
        return f"the {command['what']} of {command['name']} (an admin sets them on its page in the web app)"
    return API_TERMS.get(option, option)
