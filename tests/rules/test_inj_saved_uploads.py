"""Uploads written to disk and read back, and sinks in registered error handlers.

Each case is one app file; `# expect:` markers say exactly which INJ findings it must
produce, and a case without markers must produce none.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from apilint.rule import Example
from apilint.testing import analyze_dir, run_example

FASTAPI = """
import os
import pickle
import shutil

import yaml
from fastapi import Depends, FastAPI, UploadFile
from fastapi.security import OAuth2PasswordBearer

app = FastAPI()
oauth2 = OAuth2PasswordBearer(tokenUrl="token")
INBOX = "/srv/inbox"
"""

FLASK = """
import os
import pickle
from pathlib import Path

import torch
import yaml
from flask import Flask, jsonify, render_template_string, request
from flask_login import login_required

app = Flask(__name__)
INBOX = "/srv/inbox"
"""

CASES: dict[str, str] = {
    "fastapi-copyfileobj-then-yaml": FASTAPI + """
@app.post("/workflows")
def import_workflow(file: UploadFile, token: str = Depends(oauth2)):
    dest = os.path.join(INBOX, "workflow.yaml")
    with open(dest, "wb") as out:
        shutil.copyfileobj(file.file, out)
    with open(dest) as fh:
        flow = yaml.load(fh, Loader=yaml.FullLoader)  # expect: INJ008
    return {"steps": len(flow)}
""",
    "fastapi-write-then-pickle": FASTAPI + """
@app.post("/sessions/restore")
async def restore(file: UploadFile, token: str = Depends(oauth2)):
    dest = os.path.join(INBOX, "session.pkl")
    with open(dest, "wb") as out:
        out.write(await file.read())
    state = pickle.load(open(dest, "rb"))  # expect: INJ008
    return {"keys": len(state)}
""",
    "flask-other-file-is-safe": FLASK + """
@app.post("/checkpoints")
@login_required
def upload_checkpoint():
    upload = request.files["checkpoint"]
    path = Path(INBOX) / "latest.pt"
    upload.save(path)
    net = torch.load(Path(INBOX) / "baseline.pt")
    return jsonify({"layers": len(net)})
""",
    "flask-save-then-torch-load": FLASK + """
@app.post("/checkpoints")
@login_required
def upload_checkpoint():
    upload = request.files["checkpoint"]
    path = Path(INBOX) / "latest.pt"
    upload.save(path)
    net = torch.load(path)  # expect: INJ008
    return jsonify({"layers": len(net)})
""",
    "flask-save-then-torch-weights-only-is-safe": FLASK + """
@app.post("/checkpoints")
@login_required
def upload_checkpoint():
    upload = request.files["checkpoint"]
    path = Path(INBOX) / "latest.pt"
    upload.save(path)
    net = torch.load(path, weights_only=True)
    return jsonify({"layers": len(net)})
""",
    "flask-save-then-read-text-yaml": FLASK + """
@app.post("/settings/import")
@login_required
def import_settings():
    upload = request.files["settings"]
    target = os.path.join(INBOX, "settings.yml")
    upload.save(target)
    settings = yaml.load(Path(target).read_text())  # expect: INJ008
    return jsonify(settings)
""",
    "flask-save-then-safe-load-is-safe": FLASK + """
@app.post("/settings/import")
@login_required
def import_settings():
    upload = request.files["settings"]
    target = os.path.join(INBOX, "settings.yml")
    upload.save(target)
    settings = yaml.safe_load(Path(target).read_text())
    return jsonify(settings)
""",
    "flask-error-handler-template": FLASK + """
@app.errorhandler(404)
def not_found(error):
    page = "<h1>No page at %s</h1>" % request.url
    return render_template_string(page), 404  # expect: INJ006
""",
    "flask-error-handler-context-is-safe": FLASK + """
@app.errorhandler(404)
def not_found(error):
    return render_template_string("<h1>No page at {{ url }}</h1>", url=request.url), 404
""",
}


@pytest.mark.parametrize("case", sorted(CASES), ids=sorted(CASES))
def test_saved_upload_case(case: str) -> None:
    example = Example(CASES[case], files=(("app/__init__.py", ""),))
    found, expected = run_example(example, select=("INJ",))
    assert found == expected.expect


def test_error_handler_sink_is_high_confidence_and_named_as_such(tmp_path: Path) -> None:
    example = Example(CASES["flask-error-handler-template"], files=(("app/__init__.py", ""),))
    for rel, source in example.all_files():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(source, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    [finding] = analyze_dir(tmp_path, select=("INJ006",)).findings
    assert finding.confidence.value == "high"
    assert "an error handler: any request that fails reaches it" in finding.message
