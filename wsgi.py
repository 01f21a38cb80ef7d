"""WSGI entry point: gunicorn and `flask --app wsgi` load `app` from here."""

from atlas import create_app

app = create_app()
