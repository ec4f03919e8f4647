"""`tandem run` as a real process: migrates its SQLite file, polls, stops on SIGTERM, restarts."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.emulator import Emulator


async def start_bot(tmp_path: Path, emulator: Emulator) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TANDEM_BOT_TOKEN": "42:TEST",
        "TANDEM_API_BASE_URL": emulator.base_url,
        "TANDEM_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'tandem.db'}",
        "TANDEM_POLLING_TIMEOUT": "1",
        "TANDEM_TICK_SECONDS": "0.5",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def stop_bot(process: asyncio.subprocess.Process) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode is not None
    return process.returncode, stderr.decode()


async def bot_says(emulator: Emulator, chat_id: int, text: str, since: int = 0) -> None:
    await emulator.wait_for(
        lambda: any(e.sender == "bot" and text in e.text for e in emulator.transcript(chat_id, since)),
        timeout=60,
    )


async def test_run_polls_stops_on_sigterm_and_continues_after_a_restart(tmp_path: Path) -> None:
    async with Emulator() as emulator:
        ada = int(emulator.add_user("Ada", language_code="fr")["id"])
        process = await start_bot(tmp_path, emulator)
        emulator.send_text(ada, "/start")
        await bot_says(emulator, ada, "Bonjour Ada")
        await bot_says(emulator, ada, "Qu’est-ce qui te correspond")
        emulator.press_button(ada, ada, "(?i)bénévole")  # an open volunteer application
        await bot_says(emulator, ada, "Avant de commencer")
        code, stderr = await stop_bot(process)
        assert code == 0, stderr
        assert (tmp_path / "var" / "tandem.db").exists()  # migrated on start, under ./var/
        assert "Ada" not in stderr  # logs carry ids, not what people wrote or their names

        mark = emulator.transcript(ada)[-1].seq
        process = await start_bot(tmp_path, emulator)  # a new process, the same database
        emulator.press_button(ada, ada, "^Oui$")
        await bot_says(emulator, ada, "Comment je t’appelle", mark)
        code, _ = await stop_bot(process)
        assert code == 0
        commands = emulator.commands(language_code="de")
        assert [c["command"] for c in commands][:4] == ["start", "help", "back", "cancel"]
        assert {"privacy", "mydata", "delete", "language", "pause", "resume"} <= {
            c["command"] for c in commands
        }
