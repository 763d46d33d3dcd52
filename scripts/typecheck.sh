#!/usr/bin/env bash
# mypy --strict on the `apilint` package from a source checkout, whatever the install mode:
# builds a throw-away link farm that maps analyzer/ -> apilint and rules/ -> apilint.rules.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
farm=$(mktemp -d)
trap 'rm -rf "$farm"' EXIT
mkdir -p "$farm/apilint"
for entry in "$repo"/analyzer/*; do ln -s "$entry" "$farm/apilint/$(basename "$entry")"; done
ln -s "$repo/rules" "$farm/apilint/rules"
cd "$farm" && MYPYPATH="$farm" python -m mypy --config-file "$repo/pyproject.toml" -p apilint "$@"
