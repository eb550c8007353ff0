"""Routing: the three forms of a space-scoped path, case-insensitive segments, route templates.

`/api/Spaces-1/projects`, `/api/projects` (default space) and `/api/spaces/Spaces-1/projects`
reach the same handler. The route template a request matched (e.g.
`GET /api/{space}/releases/{id}/deployments`) is what the request log counts.
"""

import re

from .errors import ApiError, not_found

SPACE_ID = re.compile(r"^spaces-\d+$", re.IGNORECASE)

SPACE = "space"      # space-scoped: the unprefixed form means the default space
SYSTEM = "system"    # only at /api/...
MIXED = "mixed"      # tasks, events, team membership: unprefixed form filters by `spaces`


class Context:
    """What a handler needs about one request."""

    def __init__(self, world, method, path, query, body, user, space, prefixed, params):
        self.world = world
        self.method = method
        self.path = path
        self.query = query
        self.body = body
        self.user = user
        self.space = space              # Space document (default space when unprefixed)
        self.prefixed = prefixed        # True when the path named the space
        self.params = params

    @property
    def space_id(self):
        return self.space.id

    def spaces_filter(self):
        """Space ids a mixed-scope list covers: the path's space, else `spaces=` (all when absent)."""
        if self.prefixed:
            return {self.space.id}
        wanted = self.query.list("spaces")
        if not wanted or any(w.lower() == "all" for w in wanted):
            return None
        found = set()
        for space_id in wanted:
            space = self.world.get(space_id)
            if space is not None:
                found.add(space.id)
        return found


class Router:
    def __init__(self):
        self.routes = []

    def add(self, method, template, handler, scope=SPACE):
        parts = [p for p in template.split("/") if p]
        self.routes.append((method, parts, handler, scope, template))

    def resolve(self, world, method, path):
        """(handler, params, space, prefixed, route template) or raise the real 404."""
        segments = [s for s in path.split("/") if s]
        if not segments or segments[0].lower() != "api":
            raise not_found(path)
        rest, space, prefixed = segments[1:], None, False
        if rest and SPACE_ID.match(rest[0]):
            space, rest, prefixed = rest[0], rest[1:], True
        elif len(rest) >= 3 and rest[0].lower() == "spaces" and SPACE_ID.match(rest[1]):
            space, rest, prefixed = rest[1], rest[2:], True
        for route_method, parts, handler, scope, template in self.routes:
            if prefixed and scope == SYSTEM:
                continue
            params = _match(parts, rest)
            if params is None:
                continue
            if route_method != method:
                continue
            return handler, params, self._space(world, space), prefixed, _label(method, template, prefixed)
        if any(_match(parts, rest) is not None and not (prefixed and scope == SYSTEM)
               for _, parts, _, scope, _ in self.routes):
            raise ApiError(405, "The HTTP method %s is not allowed on this resource." % method)
        raise not_found(path)

    @staticmethod
    def _space(world, space_id):
        if space_id is None:
            return world.default_space
        space = world.get(space_id)
        if space is None or not space.id.startswith("Spaces"):
            raise not_found(space_id)
        return space


def _match(parts, segments):
    if len(parts) != len(segments):
        return None
    params = {}
    for part, segment in zip(parts, segments):
        if part.startswith("{"):
            params[part[1:-1]] = segment
        elif part.lower() != segment.lower():
            return None
    return params


def _label(method, template, prefixed):
    prefix = "/api/{space}" if prefixed else "/api"
    return ("%s %s/%s" % (method, prefix, template.strip("/"))).rstrip("/")
