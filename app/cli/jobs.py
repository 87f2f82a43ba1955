"""`flask jobs ...`: the background jobs and the worker that runs them."""
from __future__ import annotations

import click

from app.errors import CommandGroup
from app.extensions import db
from app.jobs import job_queue

jobs_cli = CommandGroup("jobs", help="Background jobs and the worker.")


@jobs_cli.command("list")
@click.option("--limit", default=20, show_default=True)
def jobs_list(limit):
    from app.models import Job

    for job in db.session.scalars(db.select(Job).order_by(Job.id.desc()).limit(limit)):
        click.echo(f"{job.id:>5}  {job.kind:<24} {job.status:<10} {job.done}/{job.total}  "
                   f"{job.created_at:%Y-%m-%d %H:%M}  {job.error.splitlines()[0] if job.error else ''}")


@jobs_cli.command("kinds")
def jobs_kinds():
    """The kinds of job and the periodic tasks this worker runs (app/jobs/kinds.py)."""
    from app.jobs.kinds import KINDS, PERIODIC

    for kind in KINDS.values():
        click.echo(f"{kind.kind:<24} {kind.title}")
    click.echo("\nPeriodic tasks:")
    for task in PERIODIC:
        click.echo(f"{task.name:<24} {task.when}")


@jobs_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@click.option("--periodic/--no-periodic", default=True, show_default=True,
              help="Run the periodic tasks; exactly one worker of a deployment should (Huey does not share them).")
def jobs_worker(workers, periodic):
    """Consume the queue (and run periodic tasks) until interrupted."""
    from app.jobs.handlers import sweep_stopped_jobs_now
    from app.jobs.heartbeat import worker_id

    huey = job_queue.huey
    click.echo(f"Job worker {worker_id()}: {type(huey).__name__}, {workers} threads")
    for line in sweep_stopped_jobs_now():
        click.echo(line)
    huey.create_consumer(workers=workers, worker_type="thread", periodic=periodic).run()


@jobs_cli.command("run-pending")
def jobs_run_pending():
    """Run whatever is queued in this process, then stop (for a machine without a worker)."""
    click.echo(f"Ran {job_queue.drain()} queued tasks")
