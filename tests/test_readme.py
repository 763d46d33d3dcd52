"""The README's sample output is what apilint prints for the bundled example today."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COMMAND = "$ apilint fixtures/fastapi/todo_api\n"


def test_readme_sample_output_is_current() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(COMMAND) + len(COMMAND)
    shown = readme[start:readme.index("```", start)]
    env = {**os.environ, "NO_COLOR": "1", "APILINT_NO_REPLAY": "1"}
    printed = subprocess.run([sys.executable, "-m", "apilint", "fixtures/fastapi/todo_api", "--no-cache"],
                             cwd=ROOT, capture_output=True, text=True, env=env, timeout=120).stdout
    assert printed == shown, "update the sample in README.md with the output above"
