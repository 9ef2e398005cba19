from .findings import ComplianceFinding
from .policy import CompliancePolicy
from .results import BranchQuarter

__all__ = ["BranchQuarter", "ComplianceFinding", "CompliancePolicy"]
