"""SECRET: hard-coded signing keys and credentials."""
