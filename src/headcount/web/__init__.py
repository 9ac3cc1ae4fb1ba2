"""The web app: employees' check-in pages, the response-rate dashboard and the JSON API."""

from headcount.web.app import create_app

__all__ = ["create_app"]
