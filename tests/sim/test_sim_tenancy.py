"""Tenants and tag sets in the simulator, as the Octopus API documents them."""

import pytest


@pytest.fixture
def tagged(sim, suite):
    world = sim.world
    world.add_tag_set("Release Ring", ["Canary", "Beta"])
    world.add_tag_set("Region", ["EU", "US"])
    web = suite.projects["Web API"]
    made = {}
    for number in range(40):
        tags = ["Release Ring/" + ("Beta" if number % 10 == 0 else "Canary"),
                "Region/" + ("EU" if number % 20 == 0 else "US")]
        made[number] = world.add_tenant("Tenant %02d" % number, tags=tags,
                                        projects={web: ["Production"]} if number < 5 else {})
    return made


def test_tag_sets_list_their_tags_with_canonical_names(api, tagged):
    page = api.get("/api/Spaces-1/tagsets")
    assert [s["Name"] for s in page["Items"]] == ["Release Ring", "Region"]
    beta = page["Items"][0]["Tags"][1]
    assert beta["Name"] == "Beta" and beta["CanonicalTagName"] == "Release Ring/Beta"
    assert api.get("/api/Spaces-1/tagsets/all?name=region")[0]["Name"] == "Region"
    one = api.get("/api/Spaces-1/tagsets/" + page["Items"][0]["Id"])
    assert one["Name"] == "Release Ring"


def test_tags_of_one_set_are_ored_and_sets_are_anded(api, tagged):
    everything = api.get("/api/Spaces-1/tenants/all?tags=Release%20Ring/Beta,Region/EU")
    assert [t["Name"] for t in everything] == ["Tenant 00", "Tenant 20"]
    either = api.get("/api/Spaces-1/tenants/all?tags=Release%20Ring/Beta,Release%20Ring/Canary")
    assert len(either) == 40


def test_the_paged_listing_filters_tags_after_paging_as_servers_before_the_fix_do(api, tagged):
    first = api.get("/api/Spaces-1/tenants?tags=Release%20Ring/Beta&take=30")
    assert [t["Name"] for t in first["Items"]] == ["Tenant 00", "Tenant 10", "Tenant 20"]
    assert first["TotalResults"] == 40 and "Page.Next" in first["Links"]
    assert len(api.get("/api/Spaces-1/tenants/all?tags=Release%20Ring/Beta")) == 4


def test_project_and_name_filters_and_the_connection_fields(api, suite, tagged):
    web = suite.projects["Web API"].id
    connected = api.get("/api/Spaces-1/tenants/all?projectId=" + web)
    assert len(connected) == 5
    production = suite.environments["Production"].id
    assert connected[0]["ProjectEnvironments"] == {web: [production]}
    assert connected[0]["TenantTags"] == ["Release Ring/Beta", "Region/EU"]
    assert len(api.get("/api/Spaces-1/tenants/all?name=ant 3")) == 10
    assert len(api.get("/api/Spaces-1/tenants/all?partialName=tenant 0")) == 10
