"""The local web page and its JSON API (FastAPI): app, templates, static files."""
