"""The metadata store: SQLAlchemy 2 models, queries and Alembic migrations."""
