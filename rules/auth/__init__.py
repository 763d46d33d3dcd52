"""AUTH: endpoints reachable without authentication and permissive defaults."""
