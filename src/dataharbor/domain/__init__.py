"""Plain typed models and enums. No I/O, no imports from the rest of the project."""
