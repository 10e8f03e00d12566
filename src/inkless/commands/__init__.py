"""Command-line adapters: each module exposes a typer app that cli.py mounts."""
