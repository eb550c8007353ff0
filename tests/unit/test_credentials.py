"""Base Url credentials reach the server as the session's Authorization header, never in a URL."""

import base64

import requests
import requests_mock

from child_deploy.base.clock import SystemClock
from child_deploy.base.terminal import RecordingHost
from child_deploy.shell.runner import make_client
from fakes import make_settings


def test_the_password_is_sent_as_basic_auth_and_masked_in_every_message():
    settings = make_settings(**{"ChildProject.Web.ServerUrl": "https://deployer:p%40ss@octopus.example.com"})
    host = RecordingHost()
    with requests_mock.Mocker() as mock:
        mock.get("https://octopus.example.com/api/spaces", json={"Items": []})
        client = make_client(settings, host, SystemClock(), session=requests.Session())
        client.get("spaces")
        [sent] = mock.request_history
    assert sent.url == "https://octopus.example.com/api/spaces"
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"deployer:p@ss").decode()
    assert client.server_url == "https://octopus.example.com"
    host.info("echoed: p@ss and p%40ss")
    assert host.messages[-1] == ("info", "echoed: ******** and ********")
