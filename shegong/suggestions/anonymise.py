"""The anonymiser moved to ``shegong.lib.anonymise`` (pure Python) so that appeals can use it
too (anonymisation of closed appeals, ``appeals.services.anonymise``); old imports keep
working."""

from shegong.lib.anonymise import (
    DOOR,
    EMAIL,
    NUMBER,
    PERSON,
    PLATE,
    scrub,
    summarise,
    tidy,
)

__all__ = ["DOOR", "EMAIL", "NUMBER", "PERSON", "PLATE", "scrub", "summarise", "tidy"]
