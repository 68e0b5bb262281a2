# The two commands a newcomer runs: `make demo` and `make test`.
.PHONY: demo test bench typecheck system-deps

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

system-deps:
	@bash scripts/system-deps.sh

# Generates a 3-track delivery and ingests it on the defaults: ./data/objects and ./data/catalog.db.
demo: node_modules/.installed
	node --import tsx scripts/demo.ts

test: system-deps node_modules/.installed
	npx vitest run $(VITEST_FLAGS)

typecheck: node_modules/.installed
	npx tsc --noEmit -p .

# Cadence vs one bare ffmpeg command on a 4-minute 16/44.1 master; prints figures and ratios.
bench: node_modules/.installed
	node --import tsx scripts/bench-package.ts
