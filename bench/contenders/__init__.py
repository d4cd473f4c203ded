"""The systems measured side by side; each module holds one, behind ``Contender``."""
