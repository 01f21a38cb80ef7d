"""Account commands: create-user, create-token, revoke-token and list-users."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from layers.accounts import check_role, create_token, create_user, list_users, revoke_tokens
from layers.errors import AtlasError


# Each command says it needs the app (with_appcontext): Flask wraps only the commands it defines
# itself, and app.test_cli_runner() or another click group would otherwise run these without one.
def _connection():
    return current_app.extensions["atlas.pool"].connection()


def _password_from_stdin_or_prompt() -> str:
    """A piped stdin gives the password (its first line); a terminal is asked twice, hidden."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.command("create-user")
@with_appcontext
@click.argument("name")
@click.option("--role", required=True, help="admin, editor or viewer.")
@click.option("--layers", default="", help="Editors: the layer ids they may edit, joined by commas.")
def create_user_command(name: str, role: str, layers: str) -> None:
    """Add a user, or give one a new role, password and grants; the password comes from stdin or a prompt."""
    layer_ids = tuple(dict.fromkeys(part.strip() for part in layers.split(",") if part.strip()))
    try:
        check_role(role)  # before asking for the password; an error, like every other, exits 1
        password = _password_from_stdin_or_prompt()
        with _connection() as conn:
            user = create_user(conn, name, role, password, layer_ids)
    except AtlasError as exc:
        raise click.ClickException(exc.message) from None
    grants = f" for {', '.join(sorted(user.layers))}" if user.layers else ""
    click.echo(f"User {user.name} is now {user.role}{grants}.")


@click.command("create-token")
@with_appcontext
@click.argument("name")
def create_token_command(name: str) -> None:
    """Print a new API token for the user (send it as Authorization: Bearer <token>); it is shown only once."""
    try:
        with _connection() as conn:
            token_id, secret = create_token(conn, name)
    except AtlasError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Token {token_id} for {name} (keep it secret; it is not shown again):", err=True)
    click.echo(secret)


@click.command("revoke-token")
@with_appcontext
@click.argument("name")
@click.option("--id", "token_id", type=click.IntRange(1), help="Revoke only this token (default: all of the user's).")
def revoke_token_command(name: str, token_id: int | None) -> None:
    """Revoke the user's API tokens, or one of them."""
    try:
        with _connection() as conn:
            count = revoke_tokens(conn, name, token_id)
    except AtlasError as exc:
        raise click.ClickException(exc.message) from None
    if count == 0:
        raise click.ClickException(f"{name} has no live token{' with that id' if token_id else ''}.")
    click.echo(f"Revoked {count} token(s) of {name}.")


@click.command("list-users")
@with_appcontext
def list_users_command() -> None:
    """List the users with their roles, layer grants and live tokens."""
    try:
        with _connection() as conn:
            users = list_users(conn)
    except AtlasError as exc:
        raise click.ClickException(exc.message) from None
    if not users:
        click.echo("No users yet: flask --app wsgi create-user NAME --role admin")
        return
    click.echo(f"{'name':<24}{'role':<8}{'tokens':>7}  {'since':<11} layers")
    for user in users:
        click.echo(
            f"{user.name:<24}{user.role:<8}{user.active_tokens:>7}  {user.created_at:<11}"
            f" {', '.join(user.layers) or '—'}"
        )


ACCOUNT_COMMANDS = (create_user_command, create_token_command, revoke_token_command, list_users_command)
