"""The `page` query argument of a paged list, read so that no page number reaches the database as an
offset it cannot hold: garbage, zero or negative is page 1, and a number beyond any list is clamped."""
from __future__ import annotations

MAX_PAGE = 1_000_000  # a million pages of 50 is beyond any list here; the list clamps to its own end


def page_arg(raw: str | None) -> int:
    text = (raw or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return max(1, min(int(text[:7]), MAX_PAGE)) if len(text) <= 7 else MAX_PAGE


def paginate_clamped(db, query, page: int, per_page: int):
    """Flask-SQLAlchemy's pagination of `page`, or of the last page when `page` is beyond it."""
    pagination = db.paginate(query, page=page, per_page=per_page, error_out=False)
    if pagination.pages and page > pagination.pages:
        pagination = db.paginate(query, page=pagination.pages, per_page=per_page, error_out=False)
    return pagination
