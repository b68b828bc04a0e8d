"""Session fixtures: one set of real servers (Rasa + action server + staff webhook) for
every end-to-end test module, so the model loads once."""
import pytest

from tests.channels.api_stub import channel_env
from tests.helpers import (MODEL, WebhookReceiver, free_port, start_action_server,
                           start_rasa_server)


class Servers:
    """Running servers; the action server can be stopped and started again."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.hook = WebhookReceiver()
        self.action_port = free_port()
        self.port = free_port()
        self.actions = self.start_actions()
        # channel_env(): fake Slack/Messenger/Telegram/Twilio secrets, their APIs on a loopback stub
        self.rasa = start_rasa_server(self.port, self.action_port, log_dir, **channel_env())

    def start_actions(self):
        return start_action_server(self.action_port, self.log_dir, STAFF_WEBHOOK_URL=self.hook.url)

    def close(self):
        self.rasa.stop()
        self.actions.stop()
        self.hook.close()


@pytest.fixture(scope="session")
def servers(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"{MODEL} is missing: run `make train` (make test does)")
    running = Servers(tmp_path_factory.mktemp("servers"))
    yield running
    running.close()
