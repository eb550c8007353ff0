"""What Octopus would refuse, from what it showed: permission sets, freezes, target health."""

from datetime import datetime, timedelta, timezone

from ..base.clock import EARLIEST, instant

DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()


def holds(permissions, name, scope):
    """A grant of the space allows scope (space, project, group, environment, tenant): each of
    its lists is empty or names it (projects and groups are one list)."""
    space, project, group, environment, tenant = scope
    return name in (permissions.get("SystemPermissions") or ()) or any(
        grant.get("SpaceId") in (None, "", space) and allows(grant, (project, group), "Project",
                                                              "ProjectGroup")
        and allows(grant, (environment,), "Environment") and allows(grant, (tenant,), "Tenant")
        for grant in (permissions.get("SpacePermissions") or {}).get(name) or ())


def allows(grant, values, *lists):
    named = [i for key in lists for i in grant.get("RestrictedTo{0}Ids".format(key)) or ()]
    return not named or any(value in named for value in values)


def covers(freeze, project, environment, tenant):
    return environment in (freeze.get("ProjectEnvironmentScope") or {}).get(project, ()) or any(
        (s.get("TenantId"), s.get("ProjectId"), s.get("EnvironmentId")) == (
            tenant, project, environment) for s in freeze.get("TenantProjectEnvironmentScope") or ())


def window(freeze, at, until=None):
    """(opens, ends) of the first window holding an instant from `at` to `until` (default: `at`
    alone), or None. A recurring freeze reopens its window every `Unit` days, weeks, months or
    years (days as its author's, `UserUtcOffsetInMinutes`)."""
    start, end, until = instant(freeze.get("Start") or ""), instant(freeze.get("End") or ""), \
        until or at
    rule = freeze.get("RecurringSchedule") or {}
    if start == EARLIEST or rule.get("Type") not in ("Daily", "Weekly", "Monthly", "Annually"):
        return (start, end) if start <= until and at < end else None
    shift = timedelta(minutes=int(rule.get("UserUtcOffsetInMinutes") or 0))
    first, count, stop = start.astimezone(timezone.utc) + shift, 0, rule.get("EndType")
    last = instant(rule.get("EndOnDate") or "").date() if stop == "OnDate" else None
    limit = int(rule.get("EndAfterOccurrences") or 0) if stop == "AfterOccurrences" else -1
    day = first.date()
    while count != limit and (last is None or day <= last):
        opened = datetime.combine(day, first.time(), timezone.utc) - shift
        if opened > until:
            return None
        if opens(rule, first.date(), day):
            if at < opened + (end - start):
                return opened, opened + (end - start)
            count += 1
        day += timedelta(days=1)
    return None


def opens(rule, first, day):
    """A window opens on `day` (weeks start on Sunday; DayNumberOfMonth is 1-4 or L)."""
    every, kind = max(1, int(rule.get("Unit") or 1)), rule["Type"]
    months = (day.year - first.year) * 12 + day.month - first.month
    if kind == "Daily":
        return (day - first).days % every == 0
    if kind == "Weekly":
        weeks = ((day - first).days + (first.weekday() + 1) % 7) // 7
        return weeks % every == 0 and DAYS[day.weekday()] in (rule.get("DaysOfWeek") or ())
    if months % (every * 12 if kind == "Annually" else every):
        return False
    if kind == "Annually" or rule.get("MonthlyScheduleType") != "DayOfMonth":
        return day.day == (first.day if kind == "Annually" else int(rule.get("DateOfMonth") or 0))
    number = str(rule.get("DayNumberOfMonth"))
    return DAYS[day.weekday()] == rule.get("DayOfWeek") and (
        (day + timedelta(days=7)).month != day.month if number == "L"
        else str((day.day + 6) // 7) == number)


def target_health(preview, machine_ids):
    """(["<target> is disabled", ...], True when none of the steps' targets is available)."""
    wanted, states = {m.lower() for m in machine_ids}, {}
    for step in (preview or {}).get("StepsToExecute") or ():
        for key, state in (("Machines", ""), ("UnavailableMachines", "Unavailable"),
                           ("ExcludedMachines", "Disabled")):
            for machine in step.get(key) or () if step.get("Roles") and not step.get(
                    "IsDisabled") else ():
                if not wanted or str(machine.get("Id")).lower() in wanted:
                    states[machine.get("Name")] = state or machine.get("HealthStatus")
    bad = ("Unavailable", "Disabled")
    return (["{0} is {1}".format(n, s.lower()) for n, s in sorted(states.items())
             if s in bad + ("Unhealthy",)], bool(states) and all(s in bad for s in states.values()))
