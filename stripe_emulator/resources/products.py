"""Products: CRUD, list, search; `default_price_data` creates the default price."""

from stripe.params import (
    ProductCreateParams,
    ProductDeleteParams,
    ProductListParams,
    ProductRetrieveParams,
    ProductSearchParams,
    ProductUpdateParams,
)

from .. import errors, helpers
from ..routing import route

KIND = "product"
_PLAIN = ("active", "description", "images", "marketing_features", "name", "package_dimensions",
          "shippable", "statement_descriptor", "tax_code", "unit_label", "url")
SEARCH_FIELDS = {"active": lambda p: str(p["active"]).lower(), "name": lambda p: p["name"],
                 "description": lambda p: p["description"], "url": lambda p: p["url"],
                 "created": lambda p: p["created"]}


def build_product(ctx, p):
    """Validate and store a product from create-style params (also used by `product_data`)."""
    product_id = p.get("id")
    if product_id and (ctx.state.find(product_id) or
                       product_id in ctx.state.extra("deleted")):
        raise errors.already_exists(f"Product already exists: {product_id}", param="id")
    product = helpers.new_object(
        ctx, KIND, "prod", obj_id=product_id or ctx.state.new_id("prod", 14), active=True,
        default_price=None, description=None, images=[], marketing_features=[], metadata={},
        name=p["name"], package_dimensions=None, shippable=None, statement_descriptor=None,
        tax_code=None, type=p.get("type", "service"), unit_label=None, updated=ctx.now, url=None)
    helpers.set_fields(product, p, _PLAIN)
    product["metadata"] = helpers.merge_metadata({}, p.get("metadata"))
    ctx.state.insert(product)
    ctx.emit_event("product.created", product)
    return product


def get_product(ctx, product_id, param="id"):
    return ctx.state.get(KIND, product_id, param=param)


@route("POST", "/v1/products", params=ProductCreateParams)
def create(ctx):
    product = build_product(ctx, ctx.params)
    if "default_price_data" in ctx.params:
        from .prices import build_price

        price = build_price(ctx, ctx.params["default_price_data"], product["id"])
        product["default_price"] = price["id"]
    return product


@route("GET", "/v1/products/{id}", params=ProductRetrieveParams)
def retrieve(ctx):
    return get_product(ctx, ctx.path["id"])


@route("POST", "/v1/products/{id}", params=ProductUpdateParams)
def update(ctx):
    product = get_product(ctx, ctx.path["id"])
    before = helpers.snapshot(ctx.state, product)
    p = ctx.params
    if p.get("default_price"):
        price = ctx.state.get("price", p["default_price"], param="default_price")
        if price["product"] != product["id"]:
            raise errors.invalid("The default price must belong to this product.",
                                 param="default_price")
        product["default_price"] = price["id"]
    helpers.set_fields(product, p, _PLAIN)
    if p.get("images") == "":
        product["images"] = []
    product["metadata"] = helpers.merge_metadata(product["metadata"], p.get("metadata"))
    product["updated"] = ctx.now
    ctx.state.touch()
    changed = helpers.previous_attributes(before, helpers.snapshot(ctx.state, product))
    changed.pop("updated", None)
    if changed:
        ctx.emit_event("product.updated", product, changed)
    return product


@route("DELETE", "/v1/products/{id}", params=ProductDeleteParams)
def delete(ctx):
    product = get_product(ctx, ctx.path["id"])
    if any(p["product"] == product["id"] for p in ctx.state.collection("price").values()):
        raise errors.invalid("This product cannot be deleted because it has one or more "
                             "user-created prices.", param="id")
    ctx.state.remove(KIND, product["id"])
    ctx.state.extra("deleted")[product["id"]] = helpers.deleted(product)
    ctx.emit_event("product.deleted", product)
    return helpers.deleted(product)


@route("GET", "/v1/products", params=ProductListParams)
def list_products(ctx):
    p = ctx.params
    items = list(ctx.state.collection(KIND).values())
    for field in ("active", "shippable", "type", "url"):
        if field in p:
            items = [x for x in items if x[field] == p[field]]
    if "ids" in p:
        items = [x for x in items if x["id"] in p["ids"]]
    items = helpers.filter_created(items, p.get("created"))
    return helpers.list_object(ctx, items, label=KIND)


@route("GET", "/v1/products/search", params=ProductSearchParams)
def search(ctx):
    return helpers.search_object(ctx, list(ctx.state.collection(KIND).values()), SEARCH_FIELDS)
