"""MASS: mass assignment of client data into models with privileged fields."""
