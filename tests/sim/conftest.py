"""Fixtures for the simulator's own tests: a started simulator on a manual clock, and a client."""

import pytest
import requests

from octopus_sim import ManualClock, Simulator, load_sample_suite


class Api:
    """A tiny client for tests: the simulator's base URL, its key, JSON in and out."""

    def __init__(self, sim, key=None):
        self.sim = sim
        self.session = requests.Session()
        self.session.headers["X-Octopus-ApiKey"] = key or sim.api_key

    def call(self, method, path, json=None, **kwargs):
        return self.session.request(method, self.sim.url + path, json=json, timeout=5, **kwargs)

    def get(self, path, **kwargs):
        response = self.call("GET", path, **kwargs)
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    def post(self, path, json=None, expect=200):
        response = self.call("POST", path, json=json)
        assert response.status_code == expect, (path, response.status_code, response.text)
        return response.json()

    def put(self, path, expect=200):
        response = self.call("PUT", path)
        assert response.status_code == expect, (path, response.status_code, response.text)
        return response.json()


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def sim(clock):
    simulator = Simulator(clock=clock)
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def suite(sim):
    return load_sample_suite(sim)


@pytest.fixture
def api(sim):
    client = Api(sim)
    yield client
    client.session.close()
