"""One module per Stripe resource; each registers its own routes with `@route` on import."""
