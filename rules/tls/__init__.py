"""TLS: cookies and transport settings that let credentials travel in clear text."""
