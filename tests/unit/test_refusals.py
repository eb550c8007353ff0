"""The pure rules of the preflight: permission grants, freeze windows and scopes, target health."""

import random
from datetime import datetime, timedelta, timezone

import pytest

from child_deploy.rules.refusals import covers, holds, target_health, window
from octopus_sim import ManualClock
from octopus_sim.world import World

UTC = timezone.utc
SCOPE = ("Spaces-1", "Projects-1", "ProjectGroups-1", "Environments-5", None)


def window_end(freeze, moment):
    return (window(freeze, moment) or (None, None))[1]


def at(text):
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


def grant(**lists):
    entry = {"SpaceId": "Spaces-1"}
    entry.update({"RestrictedTo{0}Ids".format(k): v for k, v in lists.items()})
    return entry


@pytest.mark.parametrize("grants, scope, held", [
    ([grant()], SCOPE, True),
    ([grant(Environment=["Environments-4"])], SCOPE, False),
    ([grant(Environment=["Environments-4"]), grant(Project=["Projects-1"])], SCOPE, True),
    ([grant(ProjectGroup=["ProjectGroups-1"])], SCOPE, True),
    ([grant(Project=["Projects-2"], ProjectGroup=["ProjectGroups-1"])], SCOPE, True),
    ([grant(Project=["Projects-2"])], SCOPE, False),
    ([grant(Tenant=["Tenants-1"])], SCOPE, False),                 # untenanted: refused
    ([grant(Tenant=["Tenants-1"])], SCOPE[:4] + ("Tenants-1",), True),
    ([dict(grant(), SpaceId="Spaces-2")], SCOPE, False),           # another space's grant
    ([], SCOPE, False),
])
def test_a_permission_is_held_when_one_grant_of_the_space_allows_every_axis(grants, scope, held):
    assert holds({"SpacePermissions": {"DeploymentCreate": grants}}, "DeploymentCreate",
                 scope) is held


def test_a_system_permission_is_held_everywhere():
    assert holds({"SystemPermissions": ["DeploymentFreezeAdminister"]},
                 "DeploymentFreezeAdminister", SCOPE)


def test_a_freeze_covers_its_projects_environments_and_its_tenants_own():
    freeze = {"ProjectEnvironmentScope": {"Projects-1": ["Environments-5"]},
              "TenantProjectEnvironmentScope": [{"TenantId": "Tenants-1", "ProjectId": "Projects-2",
                                                 "EnvironmentId": "Environments-5"}]}
    assert covers(freeze, "Projects-1", "Environments-5", None)
    assert covers(freeze, "Projects-1", "Environments-5", "Tenants-9")
    assert not covers(freeze, "Projects-1", "Environments-4", None)
    assert covers(freeze, "Projects-2", "Environments-5", "Tenants-1")
    assert not covers(freeze, "Projects-2", "Environments-5", None)


def freeze(start, end, **schedule):
    return {"Start": start, "End": end, "RecurringSchedule": schedule or None}


# 2026-11-02 is a Monday.
@pytest.mark.parametrize("rule, moment, end", [
    (freeze("2026-11-02T10:00:00Z", "2026-11-02T12:00:00Z"), "2026-11-02 11:00", "2026-11-02 12:00"),
    (freeze("2026-11-02T10:00:00Z", "2026-11-02T12:00:00Z"), "2026-11-02 12:00", None),
    (freeze("2026-11-02T10:00:00+01:00", "2026-11-02T12:00:00+01:00"), "2026-11-02 10:30",
     "2026-11-02 11:00"),
    (freeze("2026-11-02T10:00:00Z", "2026-11-02T12:00:00Z", Type="Daily", Unit=2),
     "2026-11-04 11:00", "2026-11-04 12:00"),
    (freeze("2026-11-02T10:00:00Z", "2026-11-02T12:00:00Z", Type="Daily", Unit=2),
     "2026-11-05 11:00", None),
    (freeze("2026-11-02T22:00:00Z", "2026-11-03T02:00:00Z", Type="Daily", Unit=1),
     "2026-11-10 01:00", "2026-11-10 02:00"),                       # a window over midnight
    (freeze("2026-11-02T09:00:00Z", "2026-11-02T17:00:00Z", Type="Weekly", Unit=1,
            DaysOfWeek=["Saturday", "Sunday"]), "2026-11-08 10:00", "2026-11-08 17:00"),
    (freeze("2026-11-02T09:00:00Z", "2026-11-02T17:00:00Z", Type="Weekly", Unit=1,
            DaysOfWeek=["Saturday", "Sunday"]), "2026-11-09 10:00", None),
    (freeze("2026-11-02T09:00:00Z", "2026-11-02T17:00:00Z", Type="Weekly", Unit=2,
            DaysOfWeek=["Monday"]), "2026-11-09 10:00", None),     # every other week
    (freeze("2026-11-02T09:00:00Z", "2026-11-02T17:00:00Z", Type="Weekly", Unit=2,
            DaysOfWeek=["Monday"]), "2026-11-16 10:00", "2026-11-16 17:00"),
    (freeze("2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z", Type="Monthly", Unit=1,
            MonthlyScheduleType="DateOfMonth", DateOfMonth="15"), "2027-01-15 08:00",
     "2027-01-16 00:00"),
    (freeze("2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z", Type="Monthly", Unit=1,
            MonthlyScheduleType="DayOfMonth", DayNumberOfMonth="2", DayOfWeek="Tuesday"),
     "2026-12-08 08:00", "2026-12-09 00:00"),
    (freeze("2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z", Type="Monthly", Unit=1,
            MonthlyScheduleType="DayOfMonth", DayNumberOfMonth="L", DayOfWeek="Friday"),
     "2026-12-25 08:00", "2026-12-26 00:00"),
    (freeze("2026-11-02T00:00:00Z", "2026-11-03T00:00:00Z", Type="Monthly", Unit=1,
            MonthlyScheduleType="DayOfMonth", DayNumberOfMonth="L", DayOfWeek="Friday"),
     "2026-12-18 08:00", None),
    (freeze("2026-12-24T00:00:00Z", "2026-12-27T00:00:00Z", Type="Annually", Unit=1),
     "2028-12-26 08:00", "2028-12-27 00:00"),
    (freeze("2026-11-02T10:00:00Z", "2026-11-02T12:00:00Z", Type="Daily", Unit=1,
            EndType="AfterOccurrences", EndAfterOccurrences=3), "2026-11-04 11:00",
     "2026-11-04 12:00"),
    (freeze("2026-11-02T10:00:00Z", "2026-11-02T12:00:00Z", Type="Daily", Unit=1,
            EndType="AfterOccurrences", EndAfterOccurrences=3), "2026-11-05 11:00", None),
    (freeze("2026-11-02T10:00:00Z", "2026-11-02T12:00:00Z", Type="Daily", Unit=1,
            EndType="OnDate", EndOnDate="2026-11-03T00:00:00Z"), "2026-11-04 11:00", None),
    # Days counted in the author's time: 23:00-01:00 UTC on Mondays is Tuesday 01:00 in UTC+2.
    (freeze("2026-11-02T23:00:00Z", "2026-11-03T01:00:00Z", Type="Weekly", Unit=1,
            DaysOfWeek=["Tuesday"], UserUtcOffsetInMinutes=120), "2026-11-09 23:30",
     "2026-11-10 01:00"),
])
def test_freeze_windows(rule, moment, end):
    found = window_end(rule, at(moment))
    assert found == (at(end) if end else None)


def test_the_rule_agrees_with_the_simulators_day_by_day_calendar():
    """A hundred random recurring freezes, each asked at forty moments: the step's rule and the
    simulator's own walk through the calendar give the same answer."""
    chance = random.Random(19)
    world = World(clock=ManualClock())
    base = at("2026-01-01 00:00")
    for _ in range(100):
        start = base + timedelta(minutes=chance.randrange(0, 60 * 24 * 60, 30))
        schedule = chance.choice([
            {"Type": "Daily"}, {"Type": "Weekly", "DaysOfWeek": chance.sample(
                ["Sunday", "Monday", "Wednesday", "Friday", "Saturday"], 2)},
            {"Type": "Monthly", "MonthlyScheduleType": "DateOfMonth",
             "DateOfMonth": str(chance.randint(1, 28))},
            {"Type": "Monthly", "MonthlyScheduleType": "DayOfMonth",
             "DayNumberOfMonth": chance.choice(["1", "3", "L"]), "DayOfWeek": "Thursday"},
            {"Type": "Annually"}])
        schedule.update(Unit=chance.randint(1, 3), UserUtcOffsetInMinutes=chance.choice([0, -300, 570]))
        if chance.random() < 0.3:
            schedule.update(EndType="AfterOccurrences", EndAfterOccurrences=chance.randint(1, 5))
        world.freezes = []
        made = world.add_deployment_freeze("F", start, start + timedelta(
            hours=chance.randint(1, 50)), recurring=schedule)
        made["ProjectEnvironmentScope"] = {"P": ["E"]}
        for _ in range(40):
            moment = start + timedelta(minutes=chance.randrange(-600, 60 * 24 * 800, 7))
            expected = bool(world.freezes_holding("P", "E", None, moment))
            assert (window_end(made, moment) is not None) is expected, (schedule, start, moment)


def preview(*steps):
    return {"StepsToExecute": [dict({"Roles": ["web"], "IsDisabled": False}, **s) for s in steps]}


def machine(name, health="Healthy"):
    return {"Id": "Machines-" + name[-1], "Name": name, "HealthStatus": health}


def test_target_health():
    healthy = preview({"Machines": [machine("web-1"), machine("web-2")]})
    assert target_health(healthy, ()) == ([], False)
    troubled = preview({"Machines": [machine("web-1", "Unhealthy")],
                        "ExcludedMachines": [{"Id": "Machines-2", "Name": "web-2"}]})
    assert target_health(troubled, ()) == (["web-1 is unhealthy", "web-2 is disabled"], False)
    gone = preview({"Machines": [], "UnavailableMachines": [{"Id": "Machines-1", "Name": "web-1"}],
                    "ExcludedMachines": [{"Id": "Machines-2", "Name": "web-2"}]})
    assert target_health(gone, ()) == (["web-1 is unavailable", "web-2 is disabled"], True)
    assert target_health(troubled, ["machines-2"]) == (["web-2 is disabled"], True)
    assert target_health(preview({"Roles": [], "Machines": []}), ()) == ([], False)


@pytest.mark.parametrize("until, expected", [
    ("2030-01-07 23:30", ("2030-01-07 22:00", "2030-01-07 23:00")),
    ("2030-01-07 22:00", ("2030-01-07 22:00", "2030-01-07 23:00")),
    ("2030-01-07 21:59", None),
    (None, None),                              # the instant alone: 10:00 is not frozen
])
def test_a_span_meets_the_first_window_of_a_recurring_freeze_that_opens_within_it(until, expected):
    daily = {"Start": "2030-01-01 22:00", "End": "2030-01-01 23:00",
             "RecurringSchedule": {"Type": "Daily", "Unit": 1, "EndType": "Never"}}
    found = window(daily, at("2030-01-07 10:00"), until and at(until))
    assert found == (expected and (at(expected[0]), at(expected[1])))


def test_a_freeze_written_with_an_offset_is_read_and_shown_in_utc():
    from child_deploy.base.clock import instant
    moment = instant("2030-01-01T10:00:00+10:00")
    assert moment == datetime(2030, 1, 1, 0, 0, tzinfo=UTC)
    assert "{0:%Y-%m-%d %H:%M}".format(moment) == "2030-01-01 00:00"
