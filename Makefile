.PHONY: dev check docs test

dev:
	pip install -e '.[dev]' --config-settings editable_mode=strict

test:
	pytest

docs:
	python -m apilint.docgen --write docs/rules

check:
	ruff check analyzer rules tests benchmarks
	bash scripts/typecheck.sh
	python -m apilint.docgen --check docs/rules
	pytest
