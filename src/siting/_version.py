"""The version of siting (one place, imported by everything that prints it)."""

__version__ = "0.1.0"
