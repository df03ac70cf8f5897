"""`oke serve`: run a role's server on the embedded SQLite default or on PostgreSQL."""

from __future__ import annotations

import typer
import uvicorn
from rich.console import Console
from sqlalchemy.engine import make_url

from oke.cli._options import DatabaseUrl, Host, LogLevel, Port, settings_for
from oke.config import Role
from oke.roles.toetsplanning.app import create_app
from oke.store.migrate import upgrade

app = typer.Typer(help="Run a server.", no_args_is_help=True)


@app.command("tp")
def serve_tp(
    host: Host = None, port: Port = None, database_url: DatabaseUrl = None, log_level: LogLevel = "info"
) -> None:
    """Run the Toetsplanning service (migrates its database first)."""
    settings = settings_for(Role.toetsplanning, host=host, port=port, database_url=database_url)
    upgrade(settings.database)
    console = Console(soft_wrap=True)
    database = make_url(settings.database).render_as_string(hide_password=True)
    console.print(f"[bold]oke Toetsplanning[/] on [link]{settings.url}[/]  (database {database})")
    console.print(f"  OOAPI:        {settings.url}{settings.base_path}/")
    console.print(f"  API docs:     {settings.url}/docs")
    console.print(f"  token:        POST {settings.url}/oauth2/token (client_secret_basic)")
    console.print("  clients:      oke clients add --role ta --tenant SCHOOL --peer TA-NAME  (also --role dr, planner)")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.url_port, log_level=log_level)
