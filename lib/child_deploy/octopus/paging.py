"""Walking an Octopus collection page by page, to its real end and no further (pure; no I/O).

A repeated page ends the walk (a server can loop); a cap reached is an error, never a silent
truncation.
"""

PAGE_SIZE = 200
# A real history of 10,000 deployments is 50 pages of 200, or 334 at Octopus' own 30 a page.
MAX_PAGES = 1000
MAX_ITEMS = 25000


class PageWalk:
    """What one walk through a collection has read so far: links followed, item ids, counts."""

    def __init__(self):
        self.links = set()
        self.ids = set()
        self.pages = 0
        self.offset = 0        # items the server has sent, repeats included (for `skip`)
        self.count = 0         # distinct items kept

    def take(self, items):
        """The items of one more page not read before, and whether it repeats (every Id seen).

        Items without an Id cannot be told apart, so they are all kept.
        """
        self.pages += 1
        self.offset += len(items)
        ids = [_id_of(item) for item in items]
        repeated = bool(items) and all(i is not None and i in self.ids for i in ids)
        fresh = []
        for item, i in zip(items, ids):
            if i is None or i not in self.ids:
                fresh.append(item)
                self.ids.add(i)
        self.count += len(fresh)
        return fresh, repeated

    def over_cap(self):
        """Why the walk must stop with an error ("" while within the caps)."""
        if self.pages > MAX_PAGES:
            return "more than {0} pages".format(MAX_PAGES)
        if self.count > MAX_ITEMS:
            return "more than {0} items".format(MAX_ITEMS)
        return ""


def _id_of(item):
    """The item's Id when it is one a set can hold (a hostile page may send anything)."""
    value = item.get("Id")
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def next_page(page, walk):
    """The next page, ("link", path) or ("skip", n); or None and what looped ("" at the end)."""
    links = page.get("Links") or {}
    links = links if isinstance(links, dict) else {}
    if links.get("Self"):
        walk.links.add(links["Self"])
    link = links.get("Page.Next")
    if link:
        if link in walk.links:
            return None, "its Page.Next link points back to a page already read"
        walk.links.add(link)
        return ("link", str(link)), ""
    total = page.get("TotalResults")
    if "Links" not in page and isinstance(total, int) and walk.offset < total:
        return ("skip", walk.offset), ""
    return None, ""
