"""The editors' web app and the JSON API (FastAPI): pages.py, api.py, auth.py; app.py puts them together."""
