"""select layer."""
