"""The bulk read hands customers out while Stripe's lists are still being read, and only once
no list can add to them (lists are newest first; a customer's objects are created after it)."""
import threading
import time

import pytest

from app.gateways.stripe import StripeGatewayError
from app.services.customer_bulk_read import BulkStripeState, read_in_batches

CUSTOMERS = [{"id": f"cus_{n}", "created": 700 - 100 * n, "tax_ids": {"data": []}} for n in range(1, 7)]


def _pages(objects, size=2):
    return [objects[i:i + size] for i in range(0, len(objects), size)]


class ListsGateway:
    """Stripe's four lists as given; one list may wait for the test before a page (`hold`),
    and invoice pages may take a while each (`invoice_page_seconds`)."""

    def __init__(self, subscriptions=(), schedules=(), invoices=(), hold=(None, None), invoice_page_seconds=0.0):
        self.lists = {"customers": _pages(CUSTOMERS), "subscriptions": _pages(list(subscriptions)),
                      "schedules": _pages(list(schedules)), "invoices": _pages(list(invoices))}
        self.hold, self.released, self.invoice_page_seconds = hold, threading.Event(), invoice_page_seconds
        self.pages_read = {name: 0 for name in self.lists}
        self.single_reads: list[str] = []

    def _read(self, name):
        for n, page in enumerate(self.lists[name]):
            if (name, n) == self.hold:
                assert self.released.wait(10), "the test never released the list"
            if name == "invoices":
                time.sleep(self.invoice_page_seconds)
            self.pages_read[name] += 1
            yield page

    def customer_pages(self):
        return self._read("customers")

    def subscription_pages(self):
        return self._read("subscriptions")

    def schedule_pages(self):
        return self._read("schedules")

    def invoice_pages(self):
        return self._read("invoices")

    def recent_invoices(self, customer_id, limit):
        self.single_reads.append(customer_id)
        return []


def _sub(customer, created):
    return {"id": f"sub_{customer}_{created}", "customer": customer, "created": created, "status": "active",
            "items": {"data": []}}


def _invoice(customer, created):
    return {"id": f"in_{customer}_{created}", "customer": customer, "created": created}


def test_the_newest_customers_are_handed_out_while_an_older_page_is_still_unread():
    invoices = [_invoice("cus_3", 450), _invoice("cus_4", 350), _invoice("cus_6", 120), _invoice("cus_gone", 90)]
    gateway = ListsGateway(subscriptions=[_sub(c["id"], c["created"] + 1) for c in CUSTOMERS], invoices=invoices,
                           hold=("invoices", 1))
    state = BulkStripeState({c["id"] for c in CUSTOMERS})
    batches = read_in_batches(state, gateway, lambda line: None, batch=2)
    assert next(batches) == ["cus_1", "cus_2"]  # the invoice list is read down to 350: nothing newer can come
    assert gateway.pages_read["invoices"] == 1  # handed out while the rest of the invoice list is unread
    gateway.released.set()
    assert list(batches) == [["cus_3", "cus_4"], ["cus_5", "cus_6"]]
    assert [i["id"] for i in state.snapshot(gateway, "cus_6", "key")["invoices"]] == ["in_cus_6_120"]
    assert [s["id"] for s in state.snapshot(gateway, "cus_1", "key")["subscriptions"]] == ["sub_cus_1_601"]
    assert gateway.single_reads == [] and not state.late


def test_a_customer_that_more_arrives_for_after_it_was_handed_out_is_handed_out_again():
    """Never under Stripe's ordering; if it happened, the first write would lack an object."""
    out_of_order = [_sub(c["id"], c["created"] + 1) for c in CUSTOMERS] + [_sub("cus_1", 602)]
    gateway = ListsGateway(subscriptions=out_of_order, hold=("subscriptions", 3))
    state, lines = BulkStripeState({c["id"] for c in CUSTOMERS}), []
    batches = read_in_batches(state, gateway, lines.append, batch=2)
    assert next(batches) == ["cus_1", "cus_2"]
    gateway.released.set()
    assert list(batches) == [["cus_3", "cus_4"], ["cus_5", "cus_6"], ["cus_1"]]
    assert len(state.snapshot(gateway, "cus_1", "key")["subscriptions"]) == 2
    assert "1 customers changed in Stripe while they were read: written again" in lines


def test_the_invoice_list_is_left_when_reading_the_short_customers_alone_is_cheaper():
    others = [_invoice("cus_someone_else", 5000 - n) for n in range(200)]  # 100 pages of strangers' invoices
    gateway = ListsGateway(invoices=others, invoice_page_seconds=0.005)
    state = BulkStripeState({"cus_6"})
    assert list(read_in_batches(state, gateway, lambda line: None, batch=2)) == [["cus_6"]]
    assert state.invoices_cut and gateway.pages_read["invoices"] < 50
    state.snapshot(gateway, "cus_6", "key")
    assert gateway.single_reads == ["cus_6"]  # its recent invoices, read alone


def test_a_list_that_fails_stops_the_read_with_stripes_error():
    gateway = ListsGateway()

    def failing_schedules():
        raise StripeGatewayError("Stripe: boom", retryable=True)
        yield  # pragma: no cover

    gateway.schedule_pages = failing_schedules
    with pytest.raises(StripeGatewayError, match="boom"):
        list(read_in_batches(BulkStripeState({"cus_1"}), gateway, lambda line: None, batch=2))
