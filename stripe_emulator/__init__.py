"""A local, schema-checked Stripe API emulator (see README.md; FRAMEWORK.md to extend it)."""
