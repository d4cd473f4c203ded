"""Shared pytest fixtures (server)."""
