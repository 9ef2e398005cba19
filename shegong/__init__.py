"""Shegong (社工): the platform of a city Party committee's Social Work Department."""

__version__ = "0.1.0"
