"""INJ: request data reaching SQL text, shells, eval, file paths, outbound URLs or templates."""
