"""Repositories: the only place SQL is written; they take and return domain objects."""
