"""streamfleet: keeps dozens of live video channels alive."""

__version__ = "0.1.0"
