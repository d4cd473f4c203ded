"""The HTTP API: app factory, routers per resource, errors, dependencies."""
