"""Staff pages of the volunteer service (``/volunteers/``), one module per area, each routed by
``urls.py``: ``roster`` (volunteers, imports/exports), ``records`` (training, awards,
evaluations, lateness), ``teams``, ``activities`` (slots, sign-ups, QR check-in, hours
confirmation), ``hours`` (the ledger, certificates, honours, policy). Every row comes through
``visible_to``; every change through ``services``."""
