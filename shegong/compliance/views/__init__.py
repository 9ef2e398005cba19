from .pages import branch, finding_handle, findings, home, policy, recheck, table

__all__ = ["branch", "finding_handle", "findings", "home", "policy", "recheck", "table"]
