"""What an Octopus answer may look like (pure; no I/O).

The step reads answers by indexing them (`page["Items"]`, `task["State"]`). An answer of another
shape, say a proxy's JSON array or a page whose `Items` is null, must be refused where it
arrives, naming the route, rather than end as an AttributeError in the middle of a decision.
Likewise a redirect's Location is checked before anything is sent to it.
"""

from urllib.parse import urljoin, urlsplit

COLLECTION = "collection"       # what `expect` calls a page envelope or a bare array of objects


def shape_problem(value, expect):
    """What is wrong with the shape of `value`, an answer expected to be `expect` ("" if none)."""
    wanted = {dict: "a JSON object", list: "a JSON array of objects",
              COLLECTION: "a page of items or an array of objects"}[expect]
    if expect is dict:
        ok = isinstance(value, dict)
    elif expect is list or isinstance(value, list):
        ok = isinstance(value, list) and all(isinstance(item, dict) for item in value)
    else:
        items = value.get("Items") if isinstance(value, dict) else None
        ok = isinstance(items, list) and all(isinstance(item, dict) for item in items)
    return "" if ok else "{0} where {1} was expected".format(_describe(value), wanted)


def _describe(value):
    """A few words on what `value` is, for a message."""
    if isinstance(value, dict):
        return "a page whose Items is " + _describe(value["Items"]) if "Items" in value \
            else "an object"
    if isinstance(value, list):
        return "an array" + ("" if all(isinstance(i, dict) for i in value)
                             else " with items that are not objects")
    return {str: "a string", bool: "true or false", type(None): "null"}.get(type(value), "a number")


def usable_location(url, location):
    """The absolute address a redirect's Location names, or None when it is empty or malformed."""
    text = (location or "").strip()
    if not text or any(not 0x21 <= ord(c) < 0x7f for c in text):
        return None
    try:
        target = urljoin(url, text)
        parts = urlsplit(target)
        parts.port          # raises ValueError for a port out of range or not a number
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return target
