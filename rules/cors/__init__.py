"""CORS rules: wildcard or reflected origins, and such origins with credentials."""
