"""The version of the sim package (also in pyproject.toml)."""
__version__ = "0.1.0"
