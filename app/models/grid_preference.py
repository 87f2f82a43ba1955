"""How one person likes a grid laid out: hidden columns, widths, sort. Display only, never billing state."""
from __future__ import annotations

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class GridPreference(db.Model):
    __tablename__ = "grid_preferences"

    user_id: Mapped[int] = mapped_column(db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    grid: Mapped[str] = mapped_column(String(40), primary_key=True)
    hidden_columns: Mapped[list] = mapped_column(JSON, default=list)
    column_widths: Mapped[dict] = mapped_column(JSON, default=dict)  # column key -> pixels
    sort_column: Mapped[str | None] = mapped_column(String(120))
    sort_descending: Mapped[bool] = mapped_column(default=False)
