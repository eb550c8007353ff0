"""A run's Catalog looks a tenant up once, however many children name it."""

from child_deploy.octopus.lookups import Catalog


class Client:
    def __init__(self):
        self.asked = []

    def find_by_name(self, collection, name, kind, hint=""):
        self.asked.append((collection, name))
        return {"Id": "Tenants-1", "Name": name}

    def get_all(self, route):
        self.asked.append((route,))
        return [{"Id": "Tenants-1", "Name": "Acme"}, {"Id": "Tenants-2", "Name": "Globex"}]


def test_children_of_one_run_naming_one_tenant_cost_one_lookup():
    client = Client()
    catalog = Catalog(client, batch=True)
    names = [catalog.tenant(n)["Name"] for n in ("Acme", "acme ", "Globex")]
    assert names == ["Acme", "Acme", "Globex"]
    assert client.asked == [("tenants", "Acme"), ("tenants", "Globex")]


def test_once_every_tenant_was_read_a_name_costs_no_request():
    client = Client()
    catalog = Catalog(client, batch=True)
    catalog.tenants()
    assert catalog.tenant("globex")["Id"] == "Tenants-2"
    assert client.asked == [("tenants/all",)]
