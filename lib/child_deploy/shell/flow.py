"""The step, as the story an Octopus user would tell it: look up every name, choose the release,
decide (`plan_child`, no change; the train plans each child with it), deploy once, wait, publish.
"""

from collections import namedtuple

from ..octopus.choosing import RecentHistory, ReleaseSearch, choose_release
from ..rules.decisions import decide_tenant, tenant_in_sources
from ..acting.delivery import Delivery, apply_delivery, approval_parties, decide_delivery
from ..acting.preflight import check_delivery
from ..base.errors import ConfigurationError, NoReleaseError, NotFoundError, StepError
from ..octopus.lookups import Catalog, pick_by_name, resolve_channel, resolve_space
from ..base.outcome import Finished, Outcome, nothing_to_deploy, publish
from ..rules.selection import PROMOTE, LifecycleError, choose_source_environments, phases_from_preview
from ..rules.targets import requested_machines
from ..train.approved import plan_alone
from ..train.train import run_train
from ..train.waves import check_pins

# `history`: the RecentHistory of the run's children (one read for a whole train).
Target = namedtuple("Target", "space_id project channel destination source plan tenant tenant_id "
                              "names environments machines approval history", defaults=(None,))


def deploy_child(settings, client, host, clock):
    """Run the whole step; return the Outcome (outputs are published on every path)."""
    host.info(summary(settings))
    client = client.in_space(*resolve_space(client, settings.space_name, settings.parent))
    if settings.is_train or settings.is_rings:
        return run_train(settings, client, host, clock, plan_child)
    problems = settings.pinned_versions and check_pins(settings, host, [settings.project_name],
                                                       client.get_all("projects/all"))
    if problems:
        raise ConfigurationError(problems)
    decided = plan_alone(settings, client, host, plan_child, Catalog(client, now=clock.now()))
    if isinstance(decided, Outcome):
        return decided
    return apply_delivery(client, host, clock, settings, decided)


def plan_child(settings, client, host, catalog=None):
    """Decide one child without changing anything: a Delivery to apply, or the published
    Outcome when there is nothing to deploy; RefusedError when Octopus would refuse it."""
    catalog = catalog or Catalog(client)
    try:
        target, tenancy = resolve_names(client, host, settings, catalog)
        target = plan_target(client, host, settings, target, tenancy, catalog)
        current, choice = find_release(client, host, settings, target)
        decided = decide_delivery(client, host, settings, target, choice.release, current,
                                  places=choice.places)
        if not isinstance(decided, Delivery):
            return decided
        return check_delivery(host, settings, decided._replace(reason=choice.reason), catalog)
    except Finished as finished:
        return finished.outcome


def summary(settings):
    what = "child project " + settings.project_name
    if settings.is_train:
        what = "the release train " + " / ".join(
            ", ".join(w.names) or "group: " + w.group for w in settings.waves)
    return ("Deploying {0} to {1}: mode {2}, release {3}, channel {4}{5}.".format(
        what, settings.destination_environment, settings.deployment_mode,
        "as approved" if settings.approved_plan else (
            settings.release_pattern or "(newest that qualifies)"),
        settings.channel_name or "(default)",
        ", tenant " + " / ".join(settings.tenant_name.splitlines()) if settings.tenant_name else ""))


def same_source_and_destination(settings, target):
    return (settings.deployment_mode == PROMOTE and target.source is not None
            and target.source["Id"] == target.destination["Id"])


def resolve_names(client, host, settings, catalog):
    """The Target (no source plan yet) and the tenant decision, unpublished: every name is
    looked up first (only *Steps to skip* waits), and all missing names are reported together."""
    problems = []

    def look(find, *args):
        try:
            return find(*args)
        except NotFoundError as error:
            problems.append(error)
        except StepError:
            if not problems:
                raise
            not_found(problems)         # a name already missing explains more than this

    project = look(catalog.project, settings.project_name)
    environments = look(catalog.environments) or []
    destination = look(pick_by_name, environments, settings.destination_environment,
                       "Environment", "Destination Environment Name")
    source = settings.source_environment and look(
        pick_by_name, environments, settings.source_environment, "Environment",
        "Source Environment Name")
    tenant = settings.tenant_name and look(catalog.tenant, settings.tenant_name)
    channel = project and look(lambda: resolve_channel(client, project, settings.channel_name,
                                                       catalog.channels(project)))
    machines = look(requested_machines, settings, client)
    if problems:
        not_found(problems)
    tenancy = decide_tenant(project, tenant or None, destination)
    target = Target(client.space_id, project, channel, destination, source or None,
                    None, tenancy.tenant, tenancy.tenant and tenancy.tenant["Id"],
                    {e["Id"]: e["Name"] for e in environments}, environments, machines, None,
                    catalog.history or RecentHistory(client, [project["Id"]]))
    return target._replace(approval=approval_parties(client, host, settings, target)), tenancy


def not_found(problems):
    """Every name not found, together (one alone as it was raised)."""
    raise problems[0] if len(problems) == 1 else NotFoundError("\n".join(
        ["{0} names were not found:".format(len(problems))] + [str(p) for p in problems]))


def plan_target(client, host, settings, target, tenancy, catalog):
    """The decisions before a release is chosen: source is destination, tenant, lifecycle plan."""
    if same_source_and_destination(settings, target):
        reason = ("Promote needs a source environment other than the destination ({0}); choose "
                  "Redeploy to deploy the release {0} already has.").format(
                      target.destination["Name"])
        host.highlight(reason)
        raise Finished(publish(host, nothing_to_deploy("SourceIsDestination", reason)))
    host.info(tenancy.reason)
    if tenancy.skip:
        raise Finished(publish(host, nothing_to_deploy("TenantNotAssigned", tenancy.reason)))
    plan = source_plan(catalog, settings, target.project, target.channel, target.destination,
                       target.source, target.names)
    host.info(plan.reason)
    return target._replace(plan=plan)


def source_plan(catalog, settings, project, channel, destination, source, names):
    phases = phases_from_preview(catalog.lifecycle_preview(channel, project))
    try:
        return choose_source_environments(phases, destination["Id"], source and source["Id"],
                                          settings.deployment_mode, names)
    except LifecycleError:
        raise NoReleaseError("{0} is not in the lifecycle of channel {1} of {2}, so no release of "
                             "it can be deployed there. Check \"Destination Environment Name\"."
                             .format(destination["Name"], channel["Name"], project["Name"]))


def find_release(client, host, settings, target):
    """What the destination runs now and the Choice of release; handles 'no release' per v29."""
    search = ReleaseSearch(client, host.verbose, target, target.history)
    tenant_filter = target.tenant_id if (settings.deployment_mode != PROMOTE or tenant_in_sources(
        target.tenant, target.project["Id"], target.plan.environment_ids)) else None
    current, choice = choose_release(search, settings.deployment_mode, settings.release_pattern,
                                     tenant_filter)
    if choice.release is None:
        no_release(host, settings, target, current)
    if settings.pin:
        choice = choice._replace(reason='{0} is pinned ({1}: {2}).'.format(
            choice.release["Version"], settings.pinned_by, settings.pin))
    host.highlight(choice.reason)
    return current, choice


def no_release(host, settings, target, current):
    """Error, Warning or Skip, as *When no release qualifies* says; publishes the v29 outputs."""
    message = "No release was found in {0}{1} that can be deployed to {2}.".format(
        ", ".join(target.names.get(e, e) for e in target.plan.environment_ids),
        " matching " + settings.release_pattern if settings.release_pattern else "",
        target.destination["Name"])
    outcome = publish(host, nothing_to_deploy("NoRelease", message, _version(current)))
    if settings.pin:
        raise NoReleaseError('{0} {1} pins {2}; {3} runs {4}.'.format(
            message, settings.pinned_by, settings.pin, target.destination["Name"],
            _version(current) or "none of it"))
    if settings.not_found_handling == "Error":
        raise NoReleaseError(message + ' ("When no release qualifies" is Error{0}.)'.format(
            '; check "Child Project Release Number"' if settings.release_pattern else ""))
    # v29 (since v20) highlights it under Warning and keeps the step green; Skip is plain information.
    (host.highlight if settings.not_found_handling == "Warning" else host.info)(message)
    raise Finished(outcome)


def _version(release):
    return release["Version"] if release else ""
