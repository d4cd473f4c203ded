"""Shared pytest fixtures (services)."""
