"""Tenant rings as pure decisions: the lines, the tags, who is in which ring, per child."""

import pytest

from child_deploy.rules.rings import Ring, child_rings, has_tags, parse_rings, ring_members
from child_deploy.train.train_report import ChildLine, manifest, plan_table


def tenant(name, tags=(), connected=None, disabled=False):
    return {"Id": "Tenants-" + name, "Name": name, "TenantTags": list(tags),
            "ProjectEnvironments": connected if connected is not None else {"P": ["Prod"]},
            "IsDisabled": disabled}


TENANTS = [tenant("Acme", ["Ring/Canary"]), tenant("Globex", ["Ring/Beta", "Region/EU"]),
           tenant("Initech", ["Ring/Beta", "Region/US"]), tenant("Hooli", ["Ring/Stable"]),
           tenant("Off", ["Ring/Beta"], disabled=True)]
PROJECT = {"Id": "P", "Name": "Web API", "TenantedDeploymentMode": "Tenanted"}
PROD = {"Id": "Prod", "Name": "Production"}


def parse(text):
    problems = []
    return parse_rings(text, problems), problems


@pytest.mark.parametrize("text, rings", [
    ("", ()),
    ("Acme", ()),                                   # one plain name: today's step, no rings
    ("Acme, Globex", (Ring(("Acme", "Globex"), (), False),)),
    (" Acme , Globex \n\n tag: Ring/Beta, Region/EU \n*", (
        Ring(("Acme", "Globex"), (), False), Ring((), ("Ring/Beta", "Region/EU"), False),
        Ring((), (), True))),
    ("TAG: Ring/Beta", (Ring((), ("Ring/Beta",), False),)),
])
def test_each_line_is_a_ring(text, rings):
    assert parse(text) == (rings, [])


@pytest.mark.parametrize("text, single", [("", True), ("Acme", True), ("Acme, Globex", False),
                                          ("Acme\nGlobex", False), ("*", False),
                                          ("tag: Ring/Beta", False)])
def test_one_plain_name_is_not_rings(text, single):
    assert (parse(text)[0] == ()) is single


@pytest.mark.parametrize("text, problem", [
    ("*\nAcme", 'no line may follow "*" (got "Acme")'),
    ("tag: Ring", 'write tags as "tag: Tag set/Tag" (got "tag: Ring")'),
    ("tag: /Beta", "tag: Tag set/Tag"),
    ("tag:", "tag: Tag set/Tag"),
])
def test_bad_lines_are_problems_naming_the_parameter(text, problem):
    _rings, problems = parse(text)
    assert len(problems) == 1 and problem in problems[0] and '"Tenant Name"' in problems[0]


def test_tags_of_one_set_are_ored_and_sets_anded():
    assert has_tags(TENANTS[1], ["Ring/Beta", "Ring/Canary"])
    assert has_tags(TENANTS[1], ["ring/beta", "Region/EU"])
    assert not has_tags(TENANTS[2], ["Ring/Beta", "Region/EU"])


def test_a_tenant_is_in_the_first_ring_that_takes_it_and_star_takes_the_rest():
    problems = []
    rings, _ = parse("Globex\ntag: Ring/Beta\n*")
    members = ring_members(rings, TENANTS, problems)
    assert [[t["Name"] for t in chosen] for _r, chosen in members] == [
        ["Globex"], ["Initech"], ["Acme", "Hooli"]]       # disabled "Off" is never taken
    assert problems == []


def test_unknown_names_and_empty_rings_are_problems():
    problems = []
    ring_members(parse("Acme, Acmee\ntag: Ring/Canary\ntag: Rings/Beta")[0], TENANTS, problems)
    assert problems == ['"Tenant Name" ring 1 names tenant "Acmee", which was not found.',
                        '"Tenant Name" ring 2 (Ring/Canary) takes no tenant.',
                        '"Tenant Name" ring 3 (Rings/Beta) takes no tenant.']


def test_per_child_only_connected_tenants_and_a_named_one_must_be():
    lonely = tenant("Lonely", connected={})
    problems = []
    members = ring_members(parse("Lonely\ntag: Ring/Beta")[0], TENANTS + [lonely], problems)
    assert child_rings(members, PROJECT, PROD, problems) == [[], ["Globex", "Initech"]]
    assert problems == ['"Tenant Name": tenant "Lonely" is not connected to Web API in Production.']


def test_an_untenanted_child_deploys_once_with_the_first_ring():
    members = ring_members(parse("Acme\n*")[0], TENANTS, [])
    untenanted = dict(PROJECT, TenantedDeploymentMode="Untenanted")
    assert child_rings(members, untenanted, PROD, []) == [[""], []]


def test_a_tenanted_child_no_ring_reaches_is_a_problem():
    problems = []
    members = ring_members(parse("tag: Ring/Canary")[0], TENANTS, problems)
    child_rings(members, dict(PROJECT, Id="Q"), PROD, problems)
    assert problems == ['"Tenant Name": no tenant of any ring is connected to Web API in Production.']


def test_the_plan_gains_tenant_and_ring_columns_and_the_manifest_names_each_tenant():
    line = ChildLine("Web API", 1, "1.0", "1.1", "upgrade", "Deploy", "why", "Deployed", False)
    lines = [line._replace(ring=1, tenant="Acme"), line._replace(ring=1, name="Web UI")]
    table = plan_table(lines).splitlines()
    assert table[0].startswith("| Child | Tenant | Ring | Wave |")
    assert table[3].startswith("| Web UI | (untenanted) | 1 | 1 |")
    assert manifest(lines) == {"Web API/Acme": "1.1", "Web UI": "1.1"}
    assert plan_table([line]).startswith("| Child | Wave |")
