"""IDEM: money-moving and create mutations that a retry can repeat (no idempotency key)."""
