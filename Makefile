# The two commands: `make run` (set up, train if needed, chat) and `make test`.
.PHONY: setup responses validate train run test bench clean

setup:
	@scripts/setup.sh
	@scripts/setup_web.sh

responses: setup
	@.venv/bin/python -m bot.config.render

validate: responses
	@bash -c 'source scripts/env.sh && .venv/bin/rasa data validate'

train: responses
	@scripts/train.sh

run: train
	@scripts/run.sh

test: train
	@scripts/test.sh

bench: train
	@scripts/bench.sh

clean:
	rm -rf models results reports .run artifacts

# Production mode (docs/production.md).
.PHONY: test-scale retention

# Two replicas + action server on PostgreSQL + Redis (installed from Debian if
# missing), 50 conversations x 20 turns, one replica killed mid-run (~4-6 min).
test-scale: train
	@bash -c 'source scripts/env.sh && .venv/bin/python -m pytest tests/production/test_scale.py -ra -s'

# Delete conversations idle for more than DAYS days: make retention DAYS=365 [DRY_RUN=1]
retention:
	$(if $(DAYS),,$(error usage: make retention DAYS=365 [DRY_RUN=1]))
	@bash -c 'source scripts/env.sh && .venv/bin/python -m bot.production.retention --days $(DAYS) $(if $(DRY_RUN),--dry-run,)'
