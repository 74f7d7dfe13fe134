"""Housing."""
