"""Pure decisions about tenants, guided failure, prompted variables and skipping.

Each returns a value with the sentence the task log shows, so the log explains every choice.
"""

from collections import namedtuple

from ..base.errors import ConfigurationError

TenantDecision = namedtuple("TenantDecision", "tenant skip reason")
SkipDecision = namedtuple("SkipDecision", "skip reason")


def decide_tenant(project, tenant, environment):
    """Which tenant to deploy for, or why the child is skipped for this tenant (as v29)."""
    mode = project.get("TenantedDeploymentMode") or "Untenanted"
    if tenant is None:
        if mode == "Tenanted":
            raise ConfigurationError(['Project "{0}" deploys only for tenants; set "Tenant Name".'
                                      .format(project["Name"])])
        return TenantDecision(None, False, "Untenanted deployment.")
    if mode == "Untenanted":
        return TenantDecision(None, False, 'Project "{0}" is not tenanted, so tenant "{1}" is '
                              'ignored.'.format(project["Name"], tenant["Name"]))
    connected = (tenant.get("ProjectEnvironments") or {}).get(project["Id"])
    if connected is None:
        return TenantDecision(None, True, 'Tenant "{0}" is not connected to project "{1}"; '
                              'nothing to deploy.'.format(tenant["Name"], project["Name"]))
    if environment["Id"] not in connected:
        return TenantDecision(None, True, 'Tenant "{0}" is connected to project "{1}" but not for '
                              '{2}; nothing to deploy.'.format(
                                  tenant["Name"], project["Name"], environment["Name"]))
    return TenantDecision(tenant, False, 'Deploying for tenant "{0}".'.format(tenant["Name"]))


def tenant_in_sources(tenant, project_id, source_environment_ids):
    """Whether the tenant's own deployments to the sources are the candidates (else any, as v29)."""
    if tenant is None:
        return False
    connected = (tenant.get("ProjectEnvironments") or {}).get(project_id) or ()
    return any(e in connected for e in source_environment_ids)


def decide_guided_failure(project, environment):
    """Guided failure as Octopus would choose it: the project's mode, else the environment's."""
    mode = project.get("DefaultGuidedFailureMode") or "EnvironmentDefault"
    if mode == "On":
        return True, "Guided failure is on: the child project always uses it."
    if mode == "Off":
        return False, "Guided failure is off: the child project never uses it."
    use = bool(environment.get("UseGuidedFailure"))
    return use, "Guided failure is {0}: the child project follows {1}, which {2} it.".format(
        "on" if use else "off", environment["Name"], "uses" if use else "does not use")


def decide_redeploy(mode, chosen_release_id, current_release_id, version, environment_name):
    """Promote skips a release the destination already runs; Redeploy and AlwaysLatest never do."""
    if mode == "Promote" and chosen_release_id == current_release_id:
        return SkipDecision(True, "Release {0} is already the last successful release in {1}. "
                            "Promote does not deploy it again; choose Redeploy for that.".format(
                                version, environment_name))
    return SkipDecision(False, "")


def match_prompted_variables(form, given):
    """(FormValues by element name, names the child does not prompt for) from `Name::Value` lines.

    A required variable missing or blank is refused now, What If included: Octopus would refuse it.
    """
    by_name = {pv.name.lower(): pv.value for pv in given}
    values, missing, used = {}, [], set()
    for element in (form or {}).get("Elements") or ():
        control = element.get("Control") or {}
        name = str(control.get("Name") or "")
        required = control.get("Required") or element.get("IsValueRequired")
        if name.lower() in by_name and (by_name[name.lower()] or not required):
            values[element["Name"]] = by_name[name.lower()]
            used.add(name.lower())
        elif required:
            used.add(name.lower())
            missing.append(name)
    if missing:
        raise ConfigurationError(['"Child Project Prompted Variables" has no value for {0}, which '
                                  'the child requires. Add a line such as {1}::value.'.format(
                                      ", ".join('"{0}"'.format(m) for m in missing), missing[0])])
    unused = [pv.name for pv in given if pv.name.lower() not in used]
    return values, unused
