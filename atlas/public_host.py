"""One public address: every absolute URL the atlas makes names it, and a request for another host is a 400.

A Host header is the client's word. Taken as it comes, it would put an attacker's host into the /api
links, TileJSON, metadata XML and redirects, and (through nginx's tile cache) into what others are
sent; a request without one would show gunicorn's private port. So the WSGI environ is given the
public address before Flask looks at it, and the Host that came is only checked, never echoed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request

from atlas.settings import Settings
from layers.errors import UntrustedHost

ASKED_HOST = "atlas.asked_host"


@dataclass(frozen=True)
class PublicAddress:
    """The scheme and host[:port] of the public URL, and the host names a request may name."""

    scheme: str
    netloc: str
    trusted: frozenset[str]

    @property
    def url(self) -> str:
        """The public base URL, without a trailing slash."""
        return f"{self.scheme}://{self.netloc}"

    def answers_for(self, asked: str | None) -> bool:
        """Whether the atlas answers a request that named this Host."""
        # HTTP/1.0 may send no Host at all: it is then asking for the public address.
        return asked is None or host_name(asked) in self.trusted


def public_address(settings: Settings) -> PublicAddress:
    """The address from ATLAS_PUBLIC_URL, else http://127.0.0.1:<ATLAS_PORT> as `make run` serves."""
    parts = urlsplit(settings.public_url or f"http://127.0.0.1:{settings.port}")
    trusted = {name.strip().lower() for name in settings.trusted_hosts.split(",") if name.strip()}
    return PublicAddress(parts.scheme, parts.netloc.lower(), frozenset(trusted | {host_name(parts.netloc)}))


def host_name(host: str) -> str:
    """The name part of a Host header, lower case, without its port ("[::1]:5000" gives "[::1]")."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    return host.partition(":")[0]


class PublicHostMiddleware:
    """Gives every request the public scheme and host, keeping the Host that came for the check."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], address: PublicAddress) -> None:
        self.wsgi_app = wsgi_app
        self.address = address

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ[ASKED_HOST] = environ.get("HTTP_HOST")
        environ["HTTP_HOST"] = self.address.netloc
        environ["wsgi.url_scheme"] = self.address.scheme
        return self.wsgi_app(environ, start_response)


def init_public_host(app: Flask, settings: Settings) -> None:
    """Wrap the app; call it before any middleware that sets the scheme from a proxy, so the public URL wins."""
    address = public_address(settings)
    app.extensions["atlas.public_address"] = address
    app.wsgi_app = PublicHostMiddleware(app.wsgi_app, address)  # type: ignore[method-assign]

    def refuse_untrusted_host() -> None:
        if not address.answers_for(request.environ.get(ASKED_HOST)):
            raise UntrustedHost("This atlas does not answer for that host name.")

    app.before_request(refuse_untrusted_host)
