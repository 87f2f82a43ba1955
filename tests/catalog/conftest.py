"""A bootstrapped catalog in the emulator, and its recorded ids."""
import pytest

from app import collaborators
from app.services.catalog import bootstrap_catalog, catalog_id


@pytest.fixture
def catalog(app, db, stripe_emulator):
    with app.test_request_context():
        bootstrap_catalog(db.session, collaborators.stripe_gateway(), collaborators.catalog())


@pytest.fixture
def ids(db, catalog):
    def find(kind: str, key: str) -> str:
        return catalog_id(db.session, kind, key)

    return find


@pytest.fixture
def price_of(ids):
    return lambda product_key, variant="standard": ids("price", f"{product_key}_{variant}")
