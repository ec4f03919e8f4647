"""The ``tandem simulate`` command: run a scenario, print the outcome, write the transcript."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.adapter import Framework
from bot.config import ConfigError
from bot.devtools.scenario import ExpectationFailed, Runner, Scenario, ScenarioError


async def simulate(path: Path, framework: Framework, transcript: Path | None, db: str | None) -> int:
    try:
        scenario = Scenario.load(path)
    except ScenarioError as exc:
        print(f"scenario error: {exc}", file=sys.stderr)
        return 2
    runner = Runner(scenario, framework, db)
    code = 0
    try:
        await runner.run()
        print(f"ok: {len(scenario.steps)} steps held ({framework})")
    except ScenarioError as exc:
        print(f"scenario error: {exc}", file=sys.stderr)
        code = 2
    except ConfigError as exc:
        print(f"scenario error: settings: {exc}", file=sys.stderr)
        code = 2
    except ExpectationFailed as exc:
        print(f"FAILED {exc}", file=sys.stderr)
        code = 1
    if transcript is not None and runner.sim is not None:
        await asyncio.to_thread(write_lines, transcript, runner.transcript_lines())
    return code


def write_lines(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
