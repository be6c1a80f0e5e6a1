"""DataHarbor: a self-hostable data partnership platform."""

__version__ = "0.1.0"
