"""EXPO: whole ORM models, sensitive fields and all-fields serializers in responses."""
