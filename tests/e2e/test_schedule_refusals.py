"""A schedule that could mean two instants is refused on the built body, before anything changes.

One run per kind of refusal (the *Scheduling* parameter): a local time the clocks skip, one they
repeat, an offset that contradicts the named zone, a date whose day and month could be swapped.
"""

import pytest

from e2e_steps import created_deployments


@pytest.mark.parametrize("value, says", [
    ("2027-03-28 01:30 Europe/London", "does not exist: the clocks skip it"),
    ("2027-10-31 01:30 Europe/London", "happens twice as the clocks go back"),
    ("2027-01-15T19:00:00+05:00 Europe/London", "gives the offset +05:00 and the zone Europe/London"),
    ("03/04/2027 19:00", "can be read day first or month first"),
])
def test_an_ambiguous_schedule_deploys_nothing_and_says_why(step, sim, suite, value, says):
    run = step("Web API", "Staging", **{"Deployment.FutureTime": value})
    assert run.exit_code != 0 and run.stderr == ""
    assert run.result_message.startswith("The step's parameters need attention: \"Scheduling\" ")
    assert says in run.result_message and '(got "' + value + '")' in run.result_message
    assert run.outputs["ChildOutcome"] == "Error"
    assert sim.requests == [] and created_deployments(sim, suite, "Web API", "Staging") == []
