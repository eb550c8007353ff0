"""Every failure the step reports on purpose: one tree under StepError, caught by kind.

str(error) is exactly what the task log shows. Messages are built where the error is raised and
never contain the API key.
"""

import re


def mask_secret(text, secret):
    """`text` with `secret` masked, in any case (a server or a log may lower-case it)."""
    if not secret:
        return text
    return re.sub(re.escape(secret), "********", text, flags=re.IGNORECASE)


class StepError(Exception):
    """Base of every expected failure; its text is the step's failure message."""


class ConfigurationError(StepError, ValueError):
    """Parameters that cannot be used, all reported together so one edit fixes them all."""

    def __init__(self, problems):
        self.problems = list(problems)
        if len(self.problems) == 1:
            text = "The step's parameters need attention: " + self.problems[0]
        else:
            text = "The step's parameters need attention:\n" + "\n".join(
                "- " + problem for problem in self.problems)
        super().__init__(text)


class NotFoundError(StepError, LookupError):
    """A name given in a parameter matches nothing on the server."""


class NoReleaseError(StepError):
    """No release of the child project can be deployed under the given rules."""


class RefusedError(StepError):
    """Octopus would refuse the child: `outcome` is Forbidden, Frozen or NoTarget."""

    def __init__(self, message, outcome):
        super().__init__(message)
        self.outcome = outcome


class OctopusApiError(StepError):
    """Octopus refused or failed a request; only a "try again later" status is `retryable`."""

    RETRYABLE_STATUSES = frozenset((408, 429, 502, 503, 504))

    def __init__(self, message, status=None, method="", path="", error_message="", errors=(),
                 retry_after=None):
        super().__init__(message)
        self.status = status
        self.method = method
        self.path = path
        self.error_message = error_message
        self.errors = list(errors)
        self.retry_after = retry_after

    @property
    def retryable(self):
        return self.status in self.RETRYABLE_STATUSES


class OctopusUnreachableError(OctopusApiError):
    """No answer; `sent`: it may have reached the server; `overdue`: it ran out of its time."""

    def __init__(self, message, method="", path="", sent=True, overdue=False):
        super().__init__(message, status=None, method=method, path=path)
        self.sent = sent
        self.overdue = overdue

    @property
    def retryable(self):
        return True


class IncompleteAnswerError(OctopusUnreachableError):
    """An answer that began but was empty or cut off: treated as lost, never as a short answer."""


class UnexpectedAnswerError(OctopusApiError):
    """A complete answer of the wrong shape (often a proxy's page): the real answer is unknown."""

    sent = True

    @property
    def retryable(self):
        return True


class AnswerTooLargeError(OctopusApiError):
    """An answer above the size cap, or a collection past the page cap; not retried."""

    retryable = False


class DependencyError(StepError):
    """A run-time package is missing and could not be installed on this worker."""


class DeploymentFailedError(StepError):
    """The child deployment finished without success."""

    def __init__(self, message, state="Failed"):
        super().__init__(message)
        self.state = state


class DeploymentTimeoutError(StepError):
    """The child deployment was still running when the time allowed ran out."""


class StepCancelledError(StepError):
    """Octopus (or a person at a terminal) asked the step to stop while it was waiting."""


class TrainError(StepError):
    """A release train that did not end well: the reason, then each child's problem."""

    def __init__(self, reason, problems=()):
        self.problems = list(problems)
        super().__init__("\n".join([reason] + ["- " + p for p in self.problems]))
