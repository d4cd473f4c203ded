"""Shared pytest fixtures (media)."""
