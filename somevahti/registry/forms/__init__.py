"""Registry forms, in modules by area."""
