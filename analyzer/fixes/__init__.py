"""Automatic fixes: the `FixPlan`s rules attach to findings, written out by libcst codemods.

Rules stay pure (they run in worker processes and their findings are cached and replayed), so
a finding carries only a plan: plain facts such as "this call, pin these algorithms". After
the analysis, `apilint.fixes.apply` re-parses only the files that have plans, turns each plan
into an `Edit` with the codemod of its kind (`apilint.fixes.kinds`), applies the edits that do
not overlap in one pass, and writes the files atomically, byte for byte outside the edits.

| module | job |
|---|---|
| `plan` | builders rules call to attach a plan (one per kind, typed) |
| `document` | a file parsed for editing: statements by line, calls, module-level names |
| `imports` | references to names in the file's import style, adding an import once |
| `edits` | `Edit` (what one plan changes) and the transformer that applies many at once |
| `kinds` | one module per fix kind; `KINDS` maps a kind to its codemod |
| `source` | reading, encoding, path safety and atomic writes |
| `apply` | the runner: overlaps, iterations, diffs and the hunks reporters show |
"""
