"""党费: the yearly base and monthly amount per member, and the append-only payments ledger."""

from .hardship import DuesHardship
from .ledger import DuesAssessment, DuesPayment, PaymentQuerySet

__all__ = ["DuesAssessment", "DuesHardship", "DuesPayment", "PaymentQuerySet"]
