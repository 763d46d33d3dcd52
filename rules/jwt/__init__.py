"""JWT: tokens whose signature, algorithm or expiry is not enforced."""
