"""How a run ended, and the output variables that say so, set on every path.

The v29 outputs keep their exact strings, so instructions written for the PowerShell template
keep working.
"""

from dataclasses import dataclass, replace

NOT_APPLICABLE = "N/A"
NO_RELEASE_NOTES = "No release found"
ALREADY_DEPLOYED_NOTES = "Release already deployed to destination environment."

SUCCESSFUL_OUTCOMES = ("Deployed", "Scheduled", "Started", "WhatIf", "AlreadyDeployed",
                       "NoRelease", "MachineMismatch", "TenantNotAssigned", "SourceIsDestination",
                       "NothingToDeploy")


@dataclass(frozen=True)
class Outcome:
    """Everything a run publishes; `outcome` is one word, `reason` one sentence."""

    outcome: str
    reason: str
    release_version: str = NOT_APPLICABLE
    release_notes: str = NO_RELEASE_NOTES
    child_release_to_deploy: bool = False
    current_release: str = ""
    deployment_id: str = ""
    task_id: str = ""
    deployment_url: str = ""
    # Not outputs: whether this run created the child (only then may it cancel it) and whether
    # it has asked Octopus to cancel it already (a cancel is asked once).
    created_here: bool = False
    cancel_asked: bool = False

    @property
    def succeeded(self):
        return self.outcome in SUCCESSFUL_OUTCOMES

    def with_(self, **changes):
        return replace(self, **changes)

    def outputs(self):
        """Output variable name -> string value."""
        return {
            "ReleaseToPromote": self.release_version or NOT_APPLICABLE,
            "ReleaseNotes": self.release_notes,
            "ChildReleaseToDeploy": "True" if self.child_release_to_deploy else "False",
            "ChildCurrentRelease": self.current_release,
            "ChildOutcome": self.outcome,
            "ChildOutcomeReason": self.reason,
            "ChildDeploymentId": self.deployment_id,
            "ChildServerTaskId": self.task_id,
            "ChildDeploymentUrl": self.deployment_url,
        }


def nothing_to_deploy(outcome, reason, current_release=""):
    """No release was chosen: the v29 'N/A' outputs."""
    return Outcome(outcome, reason, current_release=current_release)


def not_deployed(outcome, reason, version, current_release=""):
    """A release was chosen but is not deployed: v29 reports it with the 'already deployed' text."""
    return Outcome(outcome, reason, release_version=version, release_notes=ALREADY_DEPLOYED_NOTES,
                   current_release=current_release)


def chosen_not_deployed(version, notes, current_version):
    """The chosen release and its notes, nothing deployed: v29 published them once chosen."""
    return Outcome("Error", "", release_version=version, release_notes=notes,
                   current_release=current_version)


def publish(host, outcome):
    """Set every output variable (always strings) and return the outcome."""
    for name, value in outcome.outputs().items():
        host.set_output(name, value)
    host.outputs_published = True
    return outcome


class Finished(Exception):
    """Ends the story early with an Outcome already published; a skip, not an error."""

    def __init__(self, outcome):
        super().__init__(outcome.reason)
        self.outcome = outcome
