"""`flask ...` commands for operators, one module per group; registered on the app here."""
from __future__ import annotations


def init_app(app) -> None:
    from app.cli.annual_plans import annual_plans_cli
    from app.cli.api_tokens import api_tokens_cli
    from app.cli.catalog import catalog_cli
    from app.cli.customers import customers_cli
    from app.cli.jobs import jobs_cli
    from app.cli.revenue import revenue_cli
    from app.cli.setup import config_check, seed_demo
    from app.cli.usage import usage_cli
    from app.cli.users import users_cli

    for command in (users_cli, jobs_cli, config_check, seed_demo, annual_plans_cli, catalog_cli, customers_cli,
                    api_tokens_cli, usage_cli, revenue_cli):
        app.cli.add_command(command)
