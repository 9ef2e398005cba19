"""`shegong classify --input F --output O [...]`: `python -m shegong.textmining.cli classify`."""

from __future__ import annotations

from shegong.triage.management.passthrough import PassThroughCommand


class Command(PassThroughCommand):
    help = "智能分拣批处理：classify（参数同 python -m shegong.textmining.cli classify）"
    subcommand = "classify"
