from .findings import ComplianceFinding
from .policy import CompliancePolicy
from .results import AreaQuarter, BranchQuarter

__all__ = ["AreaQuarter", "BranchQuarter", "ComplianceFinding", "CompliancePolicy"]
