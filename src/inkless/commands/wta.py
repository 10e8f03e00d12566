"""``inkless wta solve INSTANCE.json``: solve a static weapon-target assignment instance.

Reads a ``wta-static-v1`` JSON file (see :mod:`inkless.assignment.instance`), solves it with the
chosen solver and prints a summary table, or with ``--json`` exactly one JSON object::

    {"solver": "exact", "objective": 277.78, "seconds": 0.21,
     "assignment": [[weapon, target, rounds], ...], "bound": 277.76, "gap": 7e-05,
     "status": "optimal"}

(``bound`` and ``gap`` for the exact solver only). Exit codes: 0 solved; 2 bad input, one line
per problem on stderr.

Mount: ``app.add_typer(inkless.commands.wta.app, name="wta")``; until then
``python -m inkless.commands.wta solve INSTANCE.json [--solver fast] [--time-limit S] [--json]``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from inkless.assignment import Solution, Solver, WTAProblem, load_instance, solve
from inkless.errors import InklessError

__all__ = ["app", "solution_json", "solve_command"]

app = typer.Typer(
    help="Weapon-target assignment: solve static instances (wta-static-v1 JSON).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _group() -> None:
    """Weapon-target assignment: solve static instances (wta-static-v1 JSON)."""


def solution_json(solution: Solution) -> dict[str, Any]:
    """The ``--json`` object for ``solution``."""
    out: dict[str, Any] = {
        "solver": solution.solver,
        "objective": solution.objective,
        "seconds": solution.seconds,
        "assignment": [list(a) for a in solution.assignment()],
    }
    if solution.solver == "exact":
        out["bound"] = solution.bound
        out["gap"] = solution.gap
        out["status"] = solution.status
    return out


def _table(path: Path, problem: WTAProblem, solution: Solution) -> Table:
    fired = int(solution.x.sum())
    engaged = int((solution.x.sum(axis=0) > 0).sum())
    survive = float(problem.values @ ((1.0 - problem.p) ** solution.x).prod(axis=0))
    title = f"{path.name}: {problem.n_weapons} weapon rows x {problem.n_targets} targets"
    table = Table(title=title, show_header=False)
    table.add_column("item", style="bold")
    table.add_column("value", justify="right")
    table.add_row("solver", solution.solver)
    table.add_row("objective", f"{solution.objective:.6g}")
    table.add_row("expected surviving value", f"{survive:.6g} of {float(problem.values.sum()):.6g}")
    if solution.bound is not None:
        table.add_row("proven lower bound", f"{solution.bound:.6g}")
    if solution.gap is not None:
        table.add_row("relative gap", f"{solution.gap:.2e}")
    table.add_row("status", solution.status)
    table.add_row("rounds fired", f"{fired} of {int(problem.counts.sum())}")
    table.add_row("targets engaged", f"{engaged} of {problem.n_targets}")
    table.add_row("time", f"{solution.seconds * 1000:.1f} ms")
    return table


@app.command("solve")
def solve_command(
    instance: Annotated[Path, typer.Argument(help="Instance file, wta-static-v1 JSON.")],
    solver: Annotated[Solver, typer.Option(help="Solver to use.")] = "fast",
    time_limit: Annotated[
        float | None, typer.Option("--time-limit", help="Time limit in seconds.", min=0.0)
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
) -> None:
    """Solve INSTANCE with the chosen solver and print the assignment summary."""
    try:
        problem = load_instance(instance)
        solution = solve(problem, solver, time_limit=time_limit)
    except InklessError as e:
        err = Console(stderr=True)
        for line in e.problems:
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(e.exit_code) from None
    if as_json:
        typer.echo(json.dumps(solution_json(solution)))
    else:
        Console().print(_table(instance, problem, solution))


if __name__ == "__main__":
    app()
