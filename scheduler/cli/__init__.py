"""The `rota` command: one module per command group, registered here."""

from __future__ import annotations

import click

from scheduler.cli import db, health, history, notify, plan, queued, serve, users
from scheduler.cli.common import EXIT_BAD_INPUT, EXIT_NO_PLAN, EXIT_PLANNED, BadInput, RotaGroup

__all__ = ["EXIT_BAD_INPUT", "EXIT_NO_PLAN", "EXIT_PLANNED", "BadInput", "main"]


@click.group(cls=RotaGroup)
@click.version_option(package_name="rota")
def main() -> None:
    """Rota: plan fair on-call rotations with a constraint solver."""


COMMANDS = (
    plan.plan,
    db.import_command,
    history.import_history,
    db.publish,
    users.users,
    db.feeds,
    health.health,
    notify.notify,
    *serve.COMMANDS,
    *queued.COMMANDS,
)
for command in COMMANDS:
    main.add_command(command)
