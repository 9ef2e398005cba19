"""The serving pages: staff (orders, reports, figures, policy) and portal (wish, confirm,
nearby orders, claim, check-in). Routed from ``urls.py`` module by module."""
