"""apilint's rules: one module per rule, one folder per family."""
