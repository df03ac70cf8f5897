"""`oke serve`: run a role's server on the embedded SQLite default or on PostgreSQL."""

from __future__ import annotations

import typer
import uvicorn
from rich.console import Console

from oke.cli._options import DatabaseUrl, Host, Port, settings_for
from oke.config import Role
from oke.roles.toetsplanning.app import create_app
from oke.store.migrate import upgrade

app = typer.Typer(help="Run a server.", no_args_is_help=True)


@app.command("tp")
def serve_tp(host: Host = None, port: Port = None, database_url: DatabaseUrl = None) -> None:
    """Run the Toetsplanning service (migrates its database first)."""
    settings = settings_for(Role.toetsplanning, host=host, port=port, database_url=database_url)
    upgrade(settings.database)
    console = Console()
    console.print(f"[bold]oke Toetsplanning[/] on [link]{settings.url}[/]  (database {settings.database})")
    console.print(f"  OOAPI:        {settings.url}{settings.base_path}/")
    console.print(f"  API docs:     {settings.url}/docs")
    console.print(f"  token:        POST {settings.url}/oauth2/token (client_secret_basic)")
    console.print("  a client:     oke clients add --role ta --tenant SCHOOL   (or --role dr, --role planner)")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="info")
