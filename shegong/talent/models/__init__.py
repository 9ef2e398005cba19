"""Talent models: people, credentials and hours, training and postings, evaluation."""

from .credentials import Credential, HoursRecord, Registration
from .evaluation import Cycle, Decision, Evaluation
from .people import Person, PersonQuerySet
from .policy import PostLadder, TalentPolicy
from .training import Enrolment, Posting, TrainingClass

__all__ = [
    "Credential",
    "Cycle",
    "Decision",
    "Enrolment",
    "Evaluation",
    "HoursRecord",
    "Person",
    "PersonQuerySet",
    "PostLadder",
    "Posting",
    "Registration",
    "TalentPolicy",
    "TrainingClass",
]
