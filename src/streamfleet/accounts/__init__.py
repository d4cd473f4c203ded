"""Accounts: users and roles, password hashing, sessions, API tokens, login throttling, and
the audit log's retention (``audit_retention``: run by ``serve`` and by a fleet's retention
leader)."""
