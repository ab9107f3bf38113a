"""The reference article shipped with the scheduler: the demo publishes it, `templates check` renders it."""

from pathlib import Path

REFERENCE_ARTICLE = Path(__file__).resolve().parent / "kardashian-white-house.txt"
REFERENCE_URL = "https://www.example.com/news/kim-kardashian-white-house-prison-reform"
