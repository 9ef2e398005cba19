"""Pages of the dues app; ``urls.py`` imports from here."""

from .actions import assess, copy_forward, hardship_decide, hardship_propose, pay, reverse
from .imports import import_bases, import_errors, import_template
from .pages import hardship_list, home, member_page, org_export, org_page

__all__ = [
    "assess",
    "copy_forward",
    "hardship_decide",
    "hardship_list",
    "hardship_propose",
    "home",
    "import_bases",
    "import_errors",
    "import_template",
    "member_page",
    "org_export",
    "org_page",
    "pay",
    "reverse",
]
