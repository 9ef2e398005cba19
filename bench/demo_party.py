"""Benchmark: the demo's party world (issue 15), phase by phase.

``prepare SIZE`` runs ``shegong.demo.generator.generate`` (``--appeals 0``) up to the
party phase and saves the database there (``party0.sqlite3``, ``VACUUM INTO``) with the
random generator's state; ``party SIZE [module …] [pipeline=N] [--profile]`` copies that
database back and runs the party modules (all, or the ones named) one by one with the same
code ``shegong demo`` runs, printing wall and CPU seconds and peak RSS per module
(``--profile``: a cProfile dump per module next to the database); without names it runs the
party modules, and ``talent`` and ``serving`` (the rest of ``shegong demo``'s order) only
when named. ``more SIZE module …`` runs the named modules on the database as it is (no copy
back), e.g. ``more metro talent serving`` after a whole ``party`` run. ``pipeline=N`` caps
the branches with people on the 发展党员 path (a scaled run). SQLite only;
``SHEGONG_DATA_DIR`` is the working directory (keep its ``keys.json`` and ``secret_key``
with the saved database).

    SHEGONG_DATA_DIR=/tmp/city PYTHONPATH=$PWD .venv/bin/python bench/demo_party.py prepare city
    SHEGONG_DATA_DIR=/tmp/city PYTHONPATH=$PWD .venv/bin/python bench/demo_party.py party city
    # metro's settings on the city world (~1/5 of metro's branches):
    SHEGONG_DATA_DIR=/tmp/city PYTHONPATH=$PWD .venv/bin/python bench/demo_party.py \\
        party metro party_branches party_members party_orglife party_compliance pipeline=200

If the volunteers' generator fails (it did at city size on 2026-12-07, a duplicate hour
row, since fixed: docs/demo.md "Any date"), ``prepare`` reports it and goes on: the party
world does not read volunteers.
"""

from __future__ import annotations

import cProfile
import os
import pickle
import random
import resource
import shutil
import sys
import time

T0 = time.monotonic()


def log(message: str) -> None:
    print(f"{time.monotonic() - T0:8.1f} {message}", flush=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stop(Exception):
    pass


def main() -> None:
    mode, size = sys.argv[1], sys.argv[2]
    data_dir = os.environ["SHEGONG_DATA_DIR"]
    if mode == "party":  # "more": go on in the database as it is (no copy back)
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(f"{data_dir}/shegong.sqlite3{suffix}"):
                os.remove(f"{data_dir}/shegong.sqlite3{suffix}")
        shutil.copy(f"{data_dir}/party0.sqlite3", f"{data_dir}/shegong.sqlite3")
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shegong.conf.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import shegong.demo.party as party
    import shegong.demo.volunteers as volunteers

    call_command("migrate", interactive=False, verbosity=0)
    if mode == "prepare":

        def save(size_name: str, *, rng: random.Random, log: object) -> None:
            connection.cursor().execute("VACUUM INTO %s", [f"{data_dir}/party0.sqlite3"])
            with open(f"{data_dir}/rng.pickle", "wb") as f:
                pickle.dump(rng.getstate(), f)
            raise Stop

        make_volunteers = volunteers.generate_volunteers

        def tolerant(*args: object, **kwargs: object) -> object:
            try:
                return make_volunteers(*args, **kwargs)  # type: ignore[arg-type]
            except RuntimeError as exc:
                log(f"volunteers failed, skipped: {str(exc)[:200]}")
                return 0

        party.generate_party = save  # type: ignore[assignment]
        volunteers.generate_volunteers = tolerant  # type: ignore[assignment]
        from shegong.demo.generator import generate

        try:
            generate(size, seed=20261128, log=log, appeals=0)
        except Stop:
            log("saved the database before the party phase")
        return
    rng = random.Random()
    with open(f"{data_dir}/rng.pickle", "rb") as f:
        rng.setstate(pickle.load(f))  # noqa: S301 - our own file
    args = sys.argv[3:]
    only = [a for a in args if not a.startswith("--") and "=" not in a]
    for a in args:
        if a.startswith("pipeline="):
            caps = party.party_members.CAPS[size]
            party.party_members.CAPS[size] = (caps[0], caps[1], int(a.split("=")[1]))
    import shegong.serving.demo as serving
    import shegong.talent.demo as talent

    modules = (
        party.party_branches,
        party.party_members,
        party.party_transfers,
        party.party_dues,
        party.party_orglife,
        party.party_study,
        party.party_compliance,
        talent,  # what `shegong demo` runs after the party world
        serving,
    )
    for module in modules:
        name = module.__name__.removesuffix(".demo").rsplit(".", 1)[-1]
        if (only and name not in only) or (not only and name in ("talent", "serving")):
            continue
        profiler = cProfile.Profile() if "--profile" in args else None
        wall, cpu = time.monotonic(), time.process_time()
        if profiler:
            profiler.enable()
        module.generate(size, rng=rng, log=log)
        if profiler:
            profiler.disable()
            profiler.dump_stats(f"{data_dir}/{name}.prof")
        log(
            f"== {name} wall {time.monotonic() - wall:.1f}s cpu "
            f"{time.process_time() - cpu:.1f}s peak RSS {peak_mb():.0f} MB"
        )
    log(f"done; cpu {time.process_time():.1f}s; peak RSS {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
