"""Talent pages: one module per area, routed from ``urls.py``."""
