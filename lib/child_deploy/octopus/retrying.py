"""When to try a request again, and how long to wait first (pure; no I/O).

Only idempotent calls are retried, but any call waits out Octopus' maintenance mode (the server
did nothing). Each kind of failure has its own limit.
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter, bounded by attempts and by the step's time budget."""

    # Tries in all, the first one included. Ten make a request that fails one time in five
    # give up once in ten million, and cost at most about 80 s of backoff.
    attempts: int = 10
    base_seconds: float = 0.5
    cap_seconds: float = 15.0
    maintenance_attempts: int = 40   # a maintenance window lasts minutes, not seconds
    overdue_attempts: int = 2        # each try of a request past its deadline costs the deadline


def backoff_seconds(policy, attempt, retry_after=None, rand=random.random):
    """Seconds to wait before retry number `attempt` (1-based): Retry-After, else the backoff.

    The random part keeps many steps retrying together from hitting the server in lockstep.
    """
    if retry_after is not None and retry_after >= 0:
        return min(float(retry_after), policy.cap_seconds * 4)
    ceiling = min(policy.cap_seconds, policy.base_seconds * (2 ** (attempt - 1)))
    return ceiling * (0.5 + rand() / 2)


def failure_kind(error):
    """"maintenance", "overdue" (no whole answer within the request's deadline) or "other"."""
    if is_maintenance(error):
        return "maintenance"
    return "overdue" if getattr(error, "overdue", False) else "other"


def should_retry(policy, error, attempt, idempotent, remaining_seconds, delay):
    """Whether to try again after `error`, the `attempt`-th failure of its kind, and why not."""
    kind = failure_kind(error)
    maintenance = kind == "maintenance"
    if not idempotent and not maintenance:
        return False, "the request changes data and is never repeated blindly"
    if not getattr(error, "retryable", False) and not maintenance:
        return False, "the answer will not change on a retry"
    limit = attempt_limit(policy, kind)
    if attempt >= limit:
        return False, "gave up after {0} tries".format(attempt)
    if remaining_seconds is not None and delay > remaining_seconds:
        return False, "the step's time budget is spent"
    return True, ""


def attempt_limit(policy, kind):
    """How many tries in all a request gets for failures of `kind`."""
    return {"maintenance": policy.maintenance_attempts,
            "overdue": policy.overdue_attempts}.get(kind, policy.attempts)


def most_pausing(policy, kind, retry_after=None):
    """The most the pauses between all tries of `kind` can add up to."""
    return sum(backoff_seconds(policy, n, retry_after, rand=lambda: 1.0)
               for n in range(1, attempt_limit(policy, kind)))


def is_maintenance(error):
    """Whether Octopus is in maintenance mode: its own phrase, or a 503 that mentions maintenance.

    Not any mention: a 400 about an environment called "Maintenance" must not wait for minutes.
    """
    text = (getattr(error, "error_message", "") or "").lower()
    return "maintenance mode" in text or (getattr(error, "status", None) == 503
                                          and "maintenance" in text)


def parse_retry_after(value):
    """Seconds from a Retry-After header given in seconds; HTTP dates are ignored (rare here)."""
    try:
        return max(0.0, float(value))
    except (TypeError, ValueError):
        return None
