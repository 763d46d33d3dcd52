"""LIMIT rules: absent rate limits, request size limits and page size bounds."""
