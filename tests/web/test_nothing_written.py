"""The `nothing_written` check can fail: a new row, a changed row and a new Stripe object each trip it."""
import pytest

from app.models import User


def test_a_new_row_is_noticed(db, make_user, nothing_written):
    with pytest.raises(AssertionError, match="table users: 1 row"), nothing_written():
        make_user("viewer")


def test_a_changed_row_is_noticed(db, make_user, nothing_written):
    user = make_user("viewer")
    with pytest.raises(AssertionError, match="table users"), nothing_written():
        db.session.get(User, user.id).role = "admin"
        db.session.commit()


def test_a_new_stripe_object_is_noticed(db, stripe_client, nothing_written):
    with pytest.raises(AssertionError, match="Stripe customer objects changed"), nothing_written():
        stripe_client.v1.customers.create(params={"name": "Leak"})


def test_nothing_done_passes(db, make_user, stripe_client, nothing_written):
    make_user("viewer")
    stripe_client.v1.customers.create(params={"name": "Before"})
    with nothing_written():  # a read, however large, is not a write: the guard stays quiet
        names = [c.name for c in stripe_client.v1.customers.list().data]
    assert "Before" in names
