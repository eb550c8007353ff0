"""Pure decisions about which child release to deploy. Each returns a value and a reason.

Nothing here performs I/O: lookups.py fetches, these functions decide, flow.py tells the story.
"""

import re
from collections import namedtuple

from ..base.clock import instant
from .wildcards import like, literal_runs

Phase = namedtuple("Phase", "name environment_ids is_optional")
SourcePlan = namedtuple("SourcePlan", "environment_ids first_phase has_required_phase reason")
Candidate = namedtuple("Candidate", "release_id version environment_id tenant_id started")
Decision = namedtuple("Decision", "value reason")

PROMOTE, REDEPLOY, ALWAYS_LATEST = "Promote", "Redeploy", "AlwaysLatest"


class LifecycleError(ValueError):
    """The destination environment is not part of the channel's lifecycle."""


def phases_from_preview(lifecycle_preview):
    """Phases of a lifecycle preview, in order, with automatic and optional environments merged."""
    return [Phase(p.get("Name", ""),
                  tuple(p.get("AutomaticDeploymentTargets") or ())
                  + tuple(p.get("OptionalDeploymentTargets") or ()),
                  bool(p.get("IsOptionalPhase")))
            for p in lifecycle_preview.get("Phases") or ()]


def phase_index(phases, environment_id):
    for index, phase in enumerate(phases):
        if environment_id in phase.environment_ids:
            return index
    return None


def choose_source_environments(phases, destination, source=None, mode=PROMOTE, names=None):
    """Where the release to deploy comes from; LifecycleError when the destination is in no phase.

    Promote walks back from the destination through optional phases to the first required one.
    """
    name = (names or {}).get
    if mode != PROMOTE:
        return SourcePlan((destination,), False, True,
                          "{0} mode: the release comes from {1} itself.".format(
                              mode, name(destination, destination)))
    index = phase_index(phases, destination)
    if index is None:
        raise LifecycleError(destination)
    if index == 0:
        return SourcePlan((destination,), True, False,
                          "{0} is in the first lifecycle phase ({1}); the newest matching release "
                          "of the channel is the candidate.".format(
                              name(destination, destination), phases[0].name))
    if source:
        return SourcePlan((source,), False, True, "Source environment {0} was given.".format(
            name(source, source)))
    return _walk_back(phases, index, name)


def _walk_back(phases, index, name):
    environment_ids, walked = [], []
    for phase in reversed(phases[:index]):
        environment_ids.extend(e for e in phase.environment_ids if e not in environment_ids)
        walked.append(phase.name)
        if not phase.is_optional:
            return SourcePlan(tuple(environment_ids), False, True,
                              "Releases come from phase {0} ({1}){2}.".format(
                                  " <- ".join(walked),
                                  ", ".join(name(e, e) for e in environment_ids),
                                  ", walking back through optional phases" if len(walked) > 1 else ""))
    return SourcePlan(tuple(environment_ids), False, False,
                      "Every phase before the destination is optional ({0}); releases deployed to "
                      "{1} are preferred, else the channel's newest release.".format(
                          ", ".join(walked), ", ".join(name(e, e) for e in environment_ids)))


def version_matches(pattern, version):
    """Whether a version matches the *Child Project Release Number* pattern (blank: all)."""
    return like(pattern, version)


def search_text(pattern):
    """What to send as `searchByVersion`: the longest literal, caseless stretch of the pattern.

    Octopus keeps the versions that *include* it, so none the pattern matches is lost.
    """
    stretches = [part for run in literal_runs(pattern or "")
                 for part in re.split(r"[^\W\d_]+", run) if part]
    return max(stretches, key=len) if stretches else ""


def order_candidates(deployments, tasks_by_id, releases_by_id):
    """Successful deployments as candidates, the most recently started first, one per release.

    Not by creation: a scheduled or queued deployment can start after a newer one.
    """
    candidates, seen = [], set()
    rows = []
    for deployment in deployments:
        task = tasks_by_id.get(deployment.get("TaskId"), {})
        if task.get("State") != "Success":
            continue    # asked for taskState=Success, but a filter is no proof; an unknown task neither
        started = task.get("StartTime") or task.get("CompletedTime") or deployment.get("Created") or ""
        rows.append((instant(started), started, deployment))
    rows.sort(key=lambda row: row[0], reverse=True)
    for _when, started, deployment in rows:
        release = releases_by_id.get(deployment.get("ReleaseId"))
        if release is None or release["Id"] in seen:
            continue
        seen.add(release["Id"])
        candidates.append(Candidate(release["Id"], release.get("Version", ""),
                                    deployment.get("EnvironmentId"), deployment.get("TenantId"),
                                    started))
    return candidates


def can_promote(template, environment_id, tenant_id=None):
    """Whether the release's deployment template lets it go to the environment (for the tenant)."""
    allowed = [t.get("Id") for t in template.get("PromoteTo") or ()]
    tenant_rows = template.get("TenantPromotions") or ()
    if tenant_id and tenant_rows:
        for row in tenant_rows:
            if row.get("Id") == tenant_id:
                ok = environment_id in [t.get("Id") for t in row.get("PromoteTo") or ()]
                return Decision(ok, "the tenant's promotions {0} it".format(
                    "allow" if ok else "do not allow"))
        return Decision(False, "the tenant is not among the release's tenant promotions")
    ok = environment_id in allowed
    return Decision(ok, "its lifecycle {0} it now".format("allows" if ok else "does not allow"))


def release_movement(chosen_version, current_version):
    """upgrade / downgrade / redeploy / new: what deploying means for the destination; versions
    that order alike (1.0 and 1.0.0) are a redeploy."""
    if not current_version:
        return "new"
    keys = version_key(chosen_version), version_key(current_version)
    if keys[0] == keys[1]:
        return "redeploy"
    width = max(len(k[0]) for k in keys)        # a missing number counts as 0
    chosen, current = ((k[0] + (0,) * (width - len(k[0])), k[1]) for k in keys)
    return "upgrade" if chosen > current else "downgrade"


def version_key(version):
    """Order versions the way people read them: numbers numerically, pre-release tags last,
    trailing zeros and +build metadata ignored."""
    core, _, tag = (version or "").partition("+")[0].partition("-")
    numbers = [int(p) if p.isdigit() else -1 for p in core.split(".")]
    while numbers[1:] and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers), (tag == "", tag)
