"""`shegong near_duplicates --input F --output O [...]`.

Same as `python -m shegong.textmining.cli near-duplicates`.
"""

from __future__ import annotations

from shegong.triage.management.passthrough import PassThroughCommand


class Command(PassThroughCommand):
    help = "智能分拣批处理：近似重复（参数同 python -m shegong.textmining.cli near-duplicates）"
    subcommand = "near-duplicates"
