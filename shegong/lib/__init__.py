"""Pure-Python libraries (validators, calendars, masking, text mining).

Nothing under ``shegong.lib`` may import Django: these modules are used by batch tools,
benchmarks and other programs that do not start the web application. import-linter
enforces the rule (see ``pyproject.toml``).
"""
