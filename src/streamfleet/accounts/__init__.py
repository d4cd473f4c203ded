"""Accounts: users and roles, password hashing, sessions, API tokens and login throttling."""
