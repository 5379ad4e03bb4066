"""The pure domain: no OR-Tools, SQLAlchemy, Flask or Click; `now` is always passed in."""
