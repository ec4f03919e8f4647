"""The page's "Try this" guide and the README's quick start tell the same steps, word for word."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Steps(HTMLParser):
    """The text of each <li> in the guide's list."""

    def __init__(self) -> None:
        super().__init__()
        self.steps: list[str] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ol" and ("class", "guide-steps") in attrs:
            self.depth = 1
        elif tag == "li" and self.depth:
            self.steps.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "ol":
            self.depth = 0

    def handle_data(self, data: str) -> None:
        if self.depth and self.steps:
            self.steps[-1] += data


def plain(text: str) -> str:
    return " ".join(text.replace("**", "").replace("`", "").split())


def page_steps() -> list[str]:
    parser = Steps()
    parser.feed((ROOT / "bot" / "demo" / "static" / "index.html").read_text(encoding="utf-8"))
    return [plain(step) for step in parser.steps]


def readme_steps() -> list[str]:
    """The numbered list of the README's quick start (an item's lines go on indented)."""
    quick_start = (ROOT / "README.md").read_text(encoding="utf-8").split("## Quick start", 1)[1]
    items = re.findall(r"^\d+\. (.+(?:\n {3}.+)*)", quick_start.split("\n## ", 1)[0], re.M)
    return [plain(item) for item in items]


def test_the_page_and_the_readme_guide_the_same_way() -> None:
    steps = page_steps()
    assert len(steps) == 6 and "Open link as" in steps[0] and "Acknowledge" in steps[-1]
    assert readme_steps() == steps
    assert not any("Type /start" in step for step in steps)  # Lea starts from Carla's invite
