"""A background run that people can watch: progress, status and a short log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow

FINISHED = ("succeeded", "failed")
LOG_LIMIT = 200


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    arguments: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    log: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(db.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]  # the running worker's last sign of life
    worker: Mapped[str] = mapped_column(String(120), default="", server_default="")  # host:pid running it
    requeues: Mapped[int] = mapped_column(default=0, server_default="0")  # times its worker stopped under it

    created_by = db.relationship("User")

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.total <= 0:
            return 100 if self.finished else 0
        return min(100, self.done * 100 // self.total)

    def append_log(self, line: str) -> None:
        """Keep the last LOG_LIMIT lines: a job's log is a glance, not an archive."""
        lines = (self.log.splitlines() if self.log else []) + [line]
        self.log = "\n".join(lines[-LOG_LIMIT:])
