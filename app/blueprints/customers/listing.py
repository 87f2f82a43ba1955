"""The list's query: search, filters, sort and pagination from the request's arguments."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from app.models import CONFIGURATIONS, Customer, CustomerOrganisation

PAGE_SIZE = 50
SORTS = {"name": Customer.name, "email": Customer.email, "synced": Customer.last_synced_at,
         "trial": Customer.free_trial_until, "id": Customer.id}


@dataclass
class Page:
    customers: list
    total: int
    page: int
    pages: int
    sort: str


def customer_query(args, today):
    query = select(Customer)
    text = (args.get("q") or "").strip()
    if text:
        like = f"%{text.lower()}%"
        orgs = select(CustomerOrganisation.customer_id).where(CustomerOrganisation.organisation_id == text)
        query = query.where(or_(func.lower(Customer.name).like(like), func.lower(Customer.email).like(like),
                                Customer.stripe_customer_id == text, Customer.id.in_(orgs)))
    if args.get("configuration") in CONFIGURATIONS:
        query = query.where(Customer.billing_configuration == args["configuration"])
    if args.get("discount") == "1":
        query = query.where(Customer.has_discount.is_(True))
    if args.get("trial") == "1":
        query = query.where(Customer.free_trial_until >= today)
    if args.get("out_of_sync") == "1":
        query = query.where(or_(Customer.last_synced_at.is_(None), Customer.sync_error != ""))
    return query


def page_of(session, args, today) -> Page:
    sort = args.get("sort") or "name"
    column = SORTS.get(sort.lstrip("-"), Customer.name)
    order = column.desc() if sort.startswith("-") else column.asc()
    query = customer_query(args, today)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(int(args.get("page") or 1) if str(args.get("page") or "1").isdigit() else 1, 1), pages)
    rows = session.scalars(query.order_by(order, Customer.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return Page(rows, total, page, pages, sort)
