"""INPUT: request bodies read without validation or Content-Type checks."""
