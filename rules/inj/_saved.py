"""Uploads a handler writes to disk and reads back: the file's content is still the client's.

`f = request.files["doc"]; f.save(path); data = open(path).read()` hands the sink the bytes
the client sent, though no request read reaches it as an expression. The frame remembers the
paths an upload (or other client input) was written to -- `upload.save(path)`,
`out.write(...)` / `shutil.copyfileobj(...)` into a handle opened on the path,
`Path(path).write_bytes(...)` -- and a later read of the same path (`open(path)`,
`Path(path).read_text()`) carries full taint. Paths are matched by their source text.
"""

from __future__ import annotations

from apilint.rules.inj._frame_base import FrameBase
from apilint.rules.inj._levels import FULL
from apilint.rules.inj._propagate import PATH_CTORS
from apilint.summary import Expr

OPENERS = frozenset({"open", "builtins.open", "io.open", "codecs.open", "aiofiles.open"})
"""Calls that open a file by path."""
_UPLOAD_SAVES = frozenset({"save", "save_as", "write_to"})
"""Methods of an upload object that write it to a path (Werkzeug `FileStorage.save`)."""
_WRITES = frozenset({"write", "writelines"})
_PATH_WRITES = frozenset({"write_bytes", "write_text"})
_PATH_READS = frozenset({"read_bytes", "read_text", "open"})
_COPIES = frozenset({"shutil.copyfileobj"})


class SavedUploads(FrameBase):
    """Paths holding what the client sent, and the handles opened for writing to them."""

    saved: set[str]
    """Source text of paths client input was written to."""
    handles: dict[str, str]
    """Locals holding a file opened for writing (`with open(path, "wb") as out`) -> the path's text."""

    def path_key(self, e: Expr) -> str:
        """The text a path is matched by: `Path(p)` and `p` are the same path."""
        if e.kind == "call" and self.callee(e) in PATH_CTORS and len(e.positional) == 1:
            return self.path_key(e.positional[0])
        return e.render(200)

    def opened_for_write(self, name: str, value: Expr) -> None:
        """`out = open(path, "wb")` (or a `with` item): remember which path `out` writes to."""
        self.handles.pop(name, None)
        if value.kind == "await" and value.args:
            value = value.args[0]
        if value.kind != "call" or self.callee(value) not in OPENERS or not value.positional:
            return
        mode = value.arg(1, "mode")
        if mode is not None and mode.kind == "str" and any(c in mode.text for c in "wax"):
            self.handles[name] = self.path_key(value.positional[0])

    def note_write(self, call: Expr) -> None:
        """An expression statement that may write client input to a path."""
        func = call.func
        if func.kind == "attr":
            recv = func.args[0]
            data = call.positional[0] if call.positional else None
            if func.text in _UPLOAD_SAVES and data is not None and (self.is_upload(recv) or self.level(recv)):
                self.saved.add(self.path_key(data))  # `upload.save(path)`
            elif func.text in _WRITES and recv.kind == "name" and recv.text in self.handles and data is not None \
                    and self._client_data(data):
                self.saved.add(self.handles[recv.text])  # `out.write(await upload.read())`
            elif func.text in _PATH_WRITES and data is not None and self._client_data(data):
                self.saved.add(self.path_key(recv))  # `Path(p).write_bytes(body)`
        if self.callee(call) in _COPIES and len(call.positional) >= 2:
            src, dst = call.positional[0], call.positional[1]
            if dst.kind == "name" and dst.text in self.handles and self._client_data(src):
                self.saved.add(self.handles[dst.text])

    def saved_read_level(self, call: Expr) -> int:
        """Full taint for a call that reads back a path client input was written to."""
        if not self.saved:
            return 0
        func = call.func
        if self.callee(call) in OPENERS and call.positional:
            mode = call.arg(1, "mode")
            writing = mode is not None and mode.kind == "str" and any(c in mode.text for c in "wax")
            if not writing and self.path_key(call.positional[0]) in self.saved:
                return FULL
        elif func.kind == "attr" and func.text in _PATH_READS and self.path_key(func.args[0]) in self.saved:
            return FULL
        return 0

    def _client_data(self, e: Expr) -> bool:
        return bool(self.level(e)) or self.is_upload(e)

    def is_upload(self, e: Expr) -> bool:
        """True for an uploaded file object (see `Propagation.is_upload`)."""
        raise NotImplementedError
