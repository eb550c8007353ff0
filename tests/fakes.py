"""Small fakes shared by unit tests."""

from datetime import datetime, timezone

from child_deploy.shell.settings import parse_settings

API_KEY = "API-UNITTESTKEY1234567890ABCDEF"


class FakeClock:
    """A clock for tests: `sleep` only moves time forward and records how long it was asked."""

    def __init__(self, start=None):
        self.start = start or datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
        self.elapsed = 0.0
        self.sleeps = []

    def monotonic(self):
        return 1000.0 + self.elapsed

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.elapsed += max(0.0, seconds)

    def now(self):
        return datetime.fromtimestamp(self.start.timestamp() + self.elapsed, timezone.utc)


def base_variables(**overrides):
    """The variables of a typical step: required parameters set, the rest at Octopus defaults."""
    variables = {
        "ChildProject.Web.ServerUrl": "https://octopus.example.com",
        "ChildProject.Api.Key": API_KEY,
        "ChildProject.Space.Name": "Default",
        "ChildProject.Project.Name": "Web API",
        "ChildProject.Destination.EnvironmentName": "Staging",
        "Octopus.Space.Id": "Spaces-1", "Octopus.Space.Name": "Default",
    }
    variables.update(overrides)
    return variables


def make_settings(now=None, **overrides):
    variables = base_variables(**overrides)
    return parse_settings(lambda name: variables.get(name, ""), now=now)
