"""siting: plan community services around the 15-minute life circle."""
__version__ = "0.1.0"
