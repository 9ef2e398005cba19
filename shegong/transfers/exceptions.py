"""Domain errors of the transfers app (Chinese messages for people)."""

from shegong.core.exceptions import DomainError, TransitionNotAllowed

ALREADY_OPEN = "该党员已有正在办理的组织关系转接，请先办结或撤销原转接"


class TransferError(DomainError):
    code = "transfer_error"


class TransferAlreadyOpen(TransitionNotAllowed):
    code = "transfer_already_open"

    def __init__(self) -> None:
        super().__init__(ALREADY_OPEN)


__all__ = ["TransferAlreadyOpen", "TransferError", "TransitionNotAllowed"]
