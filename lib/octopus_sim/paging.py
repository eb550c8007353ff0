"""Query parameters and the paging envelope (`ResourceCollection`) the real server returns.

Query names match case-insensitively; list parameters accept comma-separated values (and,
defensively, repeated names). `skip` defaults to 0 and `take` to 30. `Links["Page.Next"]` is
present only when another page exists.
"""

from urllib.parse import parse_qsl, urlencode

from .errors import bad_request

DEFAULT_TAKE = 30
ALL = 2147483647


class Query:
    """Query parameters by lower-case name, keeping the order they arrived in for links."""

    def __init__(self, raw):
        self.pairs = parse_qsl(raw or "", keep_blank_values=True)
        self._by_name = {}
        for name, value in self.pairs:
            self._by_name.setdefault(name.lower(), []).append(value)

    def get(self, name, default=None):
        values = self._by_name.get(name.lower())
        return values[-1] if values else default

    def has(self, name):
        return name.lower() in self._by_name

    def list(self, name):
        """All values of a list parameter: `a,b` and `x=a&x=b` both give [a, b]."""
        out = []
        for value in self._by_name.get(name.lower(), []) + self._by_name.get(name.lower() + "[]", []):
            out.extend(v.strip() for v in value.split(",") if v.strip())
        return out

    def bool(self, name, default=False):
        value = self.get(name)
        if value is None or value == "":
            return default
        return value.strip().lower() in ("true", "1", "yes")

    def int(self, name, default):
        value = self.get(name)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except ValueError:
            raise bad_request("The value '%s' is not valid for %s." % (value, name))

    def as_dict(self):
        return {name: (values[-1] if len(values) == 1 else list(values)) for name, values in self._by_name.items()}


def envelope(item_type, items, query, path, template):
    """Slice `items` by skip/take and wrap them the way the real server does."""
    skip = max(0, query.int("skip", 0))
    take = max(0, query.int("take", DEFAULT_TAKE))
    total = len(items)
    page = items[skip:skip + take]
    pages = (total + take - 1) // take if take else 0
    last = max(0, pages - 1)
    links = {"Self": _link(path, query, skip, take), "Template": template,
             "Page.All": _link(path, query, 0, ALL)}
    if take and skip + take < total:
        links["Page.Next"] = _link(path, query, skip + take, take)
    links["Page.Current"] = _link(path, query, skip, take)
    links["Page.Last"] = _link(path, query, last * take, take)
    return {"ItemType": item_type, "TotalResults": total, "ItemsPerPage": take, "NumberOfPages": pages,
            "LastPageNumber": last, "Items": page, "Links": links}


def _link(path, query, skip, take):
    pairs = [("skip", str(skip))]
    pairs += [(k, v) for k, v in query.pairs if k.lower() not in ("skip", "take", "apikey")]
    pairs.append(("take", str(take)))
    return path + "?" + urlencode(pairs, safe=",")


def contains(text, part):
    """`partialName`-style match: contains, ignoring case (UNCONFIRMED: case rule presumed)."""
    return part is None or part.lower() in (text or "").lower()
