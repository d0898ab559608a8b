"""The Dash web application: wall, manager and demo views over the read-only state view, plus the JSON API."""
