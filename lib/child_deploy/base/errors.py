"""Every failure the step reports on purpose.

The tree, so a reader sees at once what can be caught where::

    StepError                      the root; str(error) is exactly what the task log shows
    +-- ConfigurationError         one or more parameters are missing or malformed (lists them all)
    +-- NotFoundError              a named space, project, channel, environment, tenant or target is unknown
    +-- NoReleaseError             no release satisfies the pattern, channel and lifecycle
    +-- RefusedError               Octopus would refuse the child (a permission, a freeze, no target)
    +-- OctopusApiError            Octopus answered with an error status, or not usably
    |   +-- OctopusUnreachableError   no answer: connection refused, reset, or past the deadline
    |   |   +-- IncompleteAnswerError    an answer begun but empty or cut off (lost, as above)
    |   +-- UnexpectedAnswerError     a whole answer of the wrong shape (an array for an object)
    |   +-- AnswerTooLargeError       an answer above the size cap, or a collection without end
    +-- DependencyError            requests / python-dateutil are missing and cannot be installed
    +-- DeploymentFailedError      the child deployment ended Failed, Canceled or TimedOut
    +-- DeploymentTimeoutError     the child deployment did not finish within the time allowed
    +-- StepCancelledError         the step itself was cancelled (SIGTERM / SIGINT) while waiting
    +-- TrainError                 a release train could not be planned, or a child of it failed

Messages are built where the error is raised, never at the catch site, and never contain the
API key: the client scrubs it from anything the server echoes back.
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
    """Octopus refused or failed a request.

    `retryable` is True only for answers that say "try again later" (408, 429, 502, 503, 504
    and maintenance mode); a 4xx is the caller's mistake and retrying cannot fix it.
    """

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
    """The request got no answer; `sent` tells whether it may have reached the server.

    `overdue` marks a request that ran out of its time: each try of it costs a whole deadline,
    so it gets fewer tries (retrying.RetryPolicy.overdue_attempts).
    """

    def __init__(self, message, method="", path="", sent=True, overdue=False):
        super().__init__(message, status=None, method=method, path=path)
        self.sent = sent
        self.overdue = overdue

    @property
    def retryable(self):
        return True


class IncompleteAnswerError(OctopusUnreachableError):
    """The answer began but was empty or cut off: as good as lost, so it is treated as lost.

    An empty list read from a cut-off body would look like "no active deployment" and let the
    step create a second one; a half answer must never pass for a whole one.
    """


class UnexpectedAnswerError(OctopusApiError):
    """A complete answer of the wrong shape: an array where an object belongs, `Items` that is
    not a list. Usually a proxy or gateway page, so idempotent calls try again; for a call that
    changes data it means the call was `sent` and its real answer is unknown."""

    sent = True

    @property
    def retryable(self):
        return True


class AnswerTooLargeError(OctopusApiError):
    """An answer above the size cap, or a collection past the page cap. Refused, not retried:
    the server would send the same again, and reading it would take the worker's memory."""

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
