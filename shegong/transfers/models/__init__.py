from .transfer import Transfer, TransferQuerySet, TransferStep

__all__ = ["Transfer", "TransferQuerySet", "TransferStep"]
