"""ERR rules: exception text in responses and debug mode left on."""
