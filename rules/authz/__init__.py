"""AUTHZ: objects loaded by ID without an ownership check; privileged operations without a role check."""
