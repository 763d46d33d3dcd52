"""INJ004: request data used as a file path without a containment check."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Confidence, Example, Severity
from apilint.rules.inj._flow_rule import FlowRule
from apilint.rules.inj._levels import ANY, FREE, FlowHit, Hit, Kind
from apilint.rules.inj._taint import Frame
from apilint.summary import Expr

# Calls that open, send, list or delete the file named by the given arguments (index, keyword).
_SINKS: dict[str, tuple[tuple[int, str], ...]] = {
    "open": ((0, "file"),), "builtins.open": ((0, "file"),), "io.open": ((0, "file"),),
    "codecs.open": ((0, "filename"),), "os.open": ((0, "path"),), "aiofiles.open": ((0, "file"),),
    "os.remove": ((0, "path"),), "os.unlink": ((0, "path"),), "os.rmdir": ((0, "path"),),
    "os.removedirs": ((0, "name"),), "os.listdir": ((0, "path"),), "os.scandir": ((0, "path"),),
    "os.rename": ((0, "src"), (1, "dst")), "os.replace": ((0, "src"), (1, "dst")),
    "os.truncate": ((0, "path"),), "os.chmod": ((0, "path"),),
    "shutil.rmtree": ((0, "path"),), "shutil.copy": ((0, "src"), (1, "dst")),
    "shutil.copy2": ((0, "src"), (1, "dst")), "shutil.copyfile": ((0, "src"), (1, "dst")),
    "shutil.copytree": ((0, "src"), (1, "dst")), "shutil.move": ((0, "src"), (1, "dst")),
    "flask.send_file": ((0, "path_or_file"),), "flask.helpers.send_file": ((0, "path_or_file"),),
    "werkzeug.utils.send_file": ((0, "path_or_file"),),
    "fastapi.responses.FileResponse": ((0, "path"),), "starlette.responses.FileResponse": ((0, "path"),),
    "aiofiles.os.remove": ((0, "path"),), "aiofiles.os.unlink": ((0, "path"),),
}
# Methods of a path object that read, write or delete the file.
_PATH_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes", "unlink", "rmdir", "iterdir"})
_KIND = Kind("path", sanitizers=frozenset({"secure_filename", "basename", "safe_join", "get_valid_filename",
                                           "slugify"}), path_checks=True)
_WORDS = ("open", "send_file", "fileresponse", "remove", "unlink", "rmtree", "shutil", "listdir", "rename",
          "read_text", "read_bytes", "write_text", "write_bytes", "save", "rmdir", "scandir")


def _sinks(frame: Frame, call: Expr) -> Iterator[Hit]:
    name = frame.callee(call)
    spec = _SINKS.get(name)
    if spec is not None:
        for index, keyword in spec:
            arg = call.arg(index, keyword)
            if arg is not None and (lv := frame.level(arg)) & ANY:
                yield Hit(f"{name.rsplit('.', 1)[-1]}()", arg, lv)
                return
        return
    func = call.func
    if func.kind != "attr":
        return
    recv = func.args[0]
    if func.text in _PATH_METHODS or (func.text == "open" and frame.is_path(recv)):
        if (lv := frame.level(recv)) & ANY:
            yield Hit(f".{func.text}()", recv, lv)
    elif func.text == "save" and frame.is_upload(recv):
        arg = call.arg(0, "dst")
        if arg is not None and (lv := frame.level(arg)) & ANY:
            yield Hit("the upload's .save()", arg, lv)


class PathTraversal(FlowRule):
    """
    ## What it finds
    Client input used as a file path: `open(...)`, `send_file(...)`, `FileResponse(...)`,
    `os.remove`, `os.listdir`, `os.rename`, `shutil.rmtree/copy/move`, `Path(...).read_text()`
    / `.write_bytes()` / `.unlink()`, and an uploaded file's `.save(path)`, including paths
    joined onto a base folder (`os.path.join(BASE, name)`, `BASE / name`, f-strings).
    Not reported: names cleaned by `secure_filename`, `os.path.basename`, `Path(...).name` or
    `safe_join`; paths checked after `resolve()`/`realpath()` with `is_relative_to`,
    `startswith(base)`, `commonpath` or `relative_to` before use; names checked against an
    allow-list or a regular expression; parameters typed `int`, `UUID` or an `Enum`, and
    `int`/`uuid` path converters; `send_from_directory`, which contains the path itself.
    Anchor: the line of the file operation.

    GraphQL resolver arguments (graphene `resolve_*` methods and `mutate`, strawberry and
    ariadne mutations) are client input too; such findings name the endpoint and the field
    (`POST /graphql (query search)`).

    Sinks fed by request data in functions no route reaches (views the route map does not
    link, scripts) are reported too, named by function, at medium confidence.

    ## Why it matters
    `../../etc/passwd`, an absolute path (which `os.path.join` lets replace the base) or a
    symlink lets a client read the app's source, keys and `.env`, overwrite files the server
    runs, or delete data outside the folder the endpoint was meant for (CWE-22 Path Traversal;
    OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    A value that only ever comes from a single path segment (`/files/{name}` without a `path`
    converter) cannot hold `/`, so those findings are low confidence: `..` alone still escapes
    one level, and backslashes do on Windows. A containment check is trusted when it is
    present, even if it compares against the wrong base. Files opened by libraries the app
    calls (`zipfile`, `tarfile` extraction) are not followed.

    ## References
    - https://cwe.mitre.org/data/definitions/22.html
    - https://owasp.org/www-community/attacks/Path_Traversal
    - https://flask.palletsprojects.com/en/stable/patterns/fileuploads/
    """

    code = "INJ004"
    name = "path-traversal"
    summary = "Request data used as a file path without a containment check"
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (22,)
    owasp = ("API8:2023",)

    bad = Example("""
        import os

        from fastapi import Depends, FastAPI
        from fastapi.responses import FileResponse
        from fastapi.security import OAuth2PasswordBearer

        app = FastAPI()
        oauth2 = OAuth2PasswordBearer(tokenUrl="token")
        REPORTS_DIR = "/srv/reports"


        @app.get("/reports/download")
        def download_report(name: str, token: str = Depends(oauth2)):
            return FileResponse(os.path.join(REPORTS_DIR, name))  # expect: INJ004
    """)

    good = Example("""
        from pathlib import Path

        from fastapi import Depends, FastAPI, HTTPException
        from fastapi.responses import FileResponse
        from fastapi.security import OAuth2PasswordBearer

        app = FastAPI()
        oauth2 = OAuth2PasswordBearer(tokenUrl="token")
        REPORTS_DIR = Path("/srv/reports").resolve()


        @app.get("/reports/download")
        def download_report(name: str, token: str = Depends(oauth2)):
            path = (REPORTS_DIR / name).resolve()
            if not path.is_relative_to(REPORTS_DIR):
                raise HTTPException(status_code=404, detail="Report not found")
            return FileResponse(path)
    """)

    kind = _KIND
    words = _WORDS
    sinks = _sinks
    fix = ("Reduce the name with `secure_filename()` / `Path(name).name`, or resolve the joined path and "
           "reject it unless `path.is_relative_to(BASE_DIR)`; better, look files up by a stored id")

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """What reaches which sink, and what an attacker gains."""
        return (f"{flow.subject} uses client input (`{arg}`) as a file path in {flow.hit.sink}{via}: "
                "`../` or an absolute path reaches files outside the intended folder")

    def confidence_of(self, flow: FlowHit) -> Confidence | None:
        """Low when the input can only be one URL path segment (no `/` in it)."""
        return Confidence.LOW if not flow.hit.level & FREE else super().confidence_of(flow)
