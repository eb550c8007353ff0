"""A simulated Octopus Deploy server for end-to-end tests, the demo and the benchmark.

It speaks the routes, paging envelope, field names, status codes and error bodies of the
Octopus REST API contract, keeps state (spaces, projects, lifecycles, releases, deployments,
tasks, interruptions, events) and runs server tasks on a clock a test controls. See README.md.
"""

from .clock import ManualClock, RealClock, StepClock
from .faults import Faults
from .model import (Approval, BuildInformation, Commit, InterruptionPlan, Phase, ProcessStep, PromptedVariable,
                    TaskScript, WorkItem)
from .sample import SampleSuite, load_sample_suite
from .server import RequestRecord, Simulator
from .world import DEFAULT_API_KEY, World

__all__ = [
    "Simulator", "ManualClock", "RealClock", "StepClock", "load_sample_suite", "SampleSuite", "World", "Faults",
    "Phase", "ProcessStep", "PromptedVariable", "TaskScript", "InterruptionPlan", "Approval",
    "BuildInformation", "WorkItem", "Commit", "RequestRecord", "DEFAULT_API_KEY",
]
