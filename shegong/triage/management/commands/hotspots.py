"""`shegong hotspots --input F --output O [...]`: `python -m shegong.textmining.cli hotspots`."""

from __future__ import annotations

from shegong.triage.management.passthrough import PassThroughCommand


class Command(PassThroughCommand):
    help = "智能分拣批处理：hotspots（参数同 python -m shegong.textmining.cli hotspots）"
    subcommand = "hotspots"
