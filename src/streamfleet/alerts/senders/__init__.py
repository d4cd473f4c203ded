"""Senders deliver one outbox row to one target: the signed webhook and apprise."""
