"""VER: API surfaces with no version, so breaking changes cannot be rolled out safely."""
