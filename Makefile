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
