"""The activity log of a deployment task: a tree that grows as the simulated clock moves.

Shape (as the real server and its clients expect): one root node for the task; one child per
process step, named "Step N: <step name>"; under each step one node per deployment target (or the
worker) carrying the log lines. Lines are planned up front with an offset in running time and shown
once the task's running time passes them, so a client polling `details` sees only new lines appear.
"""

import hashlib

from .clock import iso


class Node:
    """One activity node; `planned` holds (running offset, category, text)."""

    def __init__(self, id, name, key, start=0.0, end=0.0, skipped=False):
        self.id = id
        self.name = name
        self.key = key
        self.start = start
        self.end = end
        self.skipped = skipped
        self.children = []
        self.planned = []


def _hex(*parts):
    return hashlib.md5("/".join(parts).encode("utf-8")).hexdigest()


def plan_activity(world, task, run_seconds=None):
    """Build the tree of steps and targets with every line the task will write."""
    deployment = task.deployment
    project = world.get(deployment.project_id)
    release = world.get(deployment.release_id)
    total = float(task.script.run_seconds if run_seconds is None else run_seconds)
    code = _hex(task.id)[:10].upper()
    root = Node("%s_%s" % (task.id, code), task.description, "root", 0.0, total)
    steps = world.steps_to_execute(project, deployment)
    running = [s for s in steps if not s["skipped"]]
    share = total / max(1, len(running))
    index = 0
    for number, entry in enumerate(steps, start=1):
        step = entry["step"]
        start = index * share
        node = Node("%s/%s" % (root.id, _hex(task.id, step.name)), "Step %d: %s" % (number, step.name),
                    "step:%d" % number, start, start + share, entry["skipped"])
        if not entry["skipped"]:
            index += 1
            _plan_targets(node, entry, release, task)
        root.children.append(node)
    _plan_script_lines(root, task)
    return root


def _plan_targets(node, entry, release, task):
    targets = entry["target_names"]
    span = node.end - node.start
    for name in targets:
        child = Node("%s/%s" % (node.id, _hex(task.id, node.name, name)), name,
                     node.key + ":" + name, node.start, node.end)
        child.planned.append((node.start, "Info", "Running %s on %s" % (entry["step"].name, name)))
        for package in entry["step"].packages:
            version = _package_version(release, entry["step"].name, package)
            child.planned.append((node.start + span * 0.2, "Info",
                                  "Acquiring package %s version %s" % (package, version)))
        child.planned.append((node.start + span * 0.9, "Info",
                              "%s finished on %s" % (entry["step"].name, name)))
        node.children.append(child)
    if not targets:
        node.planned.append((node.start, "Warning",
                             "No deployment targets were found in roles: %s" % ", ".join(entry["step"].roles)))


def _package_version(release, step_name, package):
    for selected in release.selected_packages:
        if selected["ActionName"] == step_name and selected.get("PackageId", package) == package:
            return selected["Version"]
    return release.version


def _plan_script_lines(root, task):
    """Spread the scenario's own log lines over the running steps, in order."""
    lines = list(task.script.log_lines) if task.script else []
    running = [n for n in root.children if not n.skipped]
    if not lines or not running:
        return
    for number, line in enumerate(lines):
        node = running[number * len(running) // len(lines)]
        holder = node.children[0] if node.children else node
        position = (number + 1) / float(len(lines) + 1)
        offset = node.start + (node.end - node.start) * min(0.85, max(0.25, position))
        holder.planned.append((offset, "Info", str(line)))
    for node in running:
        for child in node.children:
            child.planned.sort(key=lambda entry: entry[0])


def active_node(root, offset):
    """The deepest node running at `offset`: where an interruption or a failure belongs."""
    chosen = root
    for step in root.children:
        if not step.skipped and step.start <= offset <= step.end:
            chosen = step.children[0] if step.children else step
            if offset < step.end:
                break
    return chosen


def render_activity(task, now):
    """`ActivityLogs` for a task at `now`: a one-element list holding the root node."""
    if task.activity is None:
        return []
    elapsed = task.run_elapsed(now)
    extra = {}
    for key, category, moment, text in task.extra_log:
        if moment <= now:
            extra.setdefault(key, []).append((moment, category, text))
    return [_render(task, task.activity, elapsed, extra, now)]


def _render(task, node, elapsed, extra, now):
    children = [_render(task, child, elapsed, extra, now) for child in node.children]
    logs = [(task.time_at(off), cat, text) for off, cat, text in node.planned if off <= elapsed
            and task.start_time is not None]
    logs.extend(extra.get(node.key, []))
    logs.sort(key=lambda entry: entry[0])
    status = _status(task, node, elapsed)
    started = task.time_at(node.start) if status not in ("Pending", "Skipped") else None
    ended = _ended(task, node, status, elapsed)
    return {
        "Id": node.id, "Name": node.name, "Started": iso(started), "Ended": iso(ended),
        "Status": status, "Children": children, "ShowAtSummaryLevel": node.key.count(":") < 2,
        "LogElements": [{"Category": cat, "OccurredAt": iso(moment), "MessageText": text,
                         "Detail": None} for moment, cat, text in logs],
        "ProgressPercentage": _percent(node, elapsed, status), "ProgressMessage": None,
    }


def _status(task, node, elapsed):
    done = task.is_completed
    if node.skipped:
        return "Skipped"
    if node.key == "root":
        return _root_status(task)
    if done and node.key in task.failed_keys:
        return "Failed" if task.state in ("Failed", "TimedOut") else "Canceled"
    if task.start_time is None or elapsed < node.start:
        return "Skipped" if done else "Pending"
    if elapsed < node.end:
        if not done and task.state != "Cancelling":
            return "Running"
        return "Failed" if task.state == "Failed" else "Canceled"
    return "Success"


def _root_status(task):
    if task.start_time is None:
        return "Canceled" if task.is_completed else "Pending"
    if not task.is_completed:
        return "Running"
    if task.state == "Success":
        return "SuccessWithWarning" if task.has_warnings else "Success"
    return "Canceled" if task.state == "Canceled" else "Failed"


def _ended(task, node, status, elapsed):
    if status in ("Pending", "Running", "Skipped"):
        return None
    if node.key == "root":
        return task.completed_time
    return task.time_at(min(node.end, elapsed))


def _percent(node, elapsed, status):
    if status in ("Success", "SuccessWithWarning", "Failed", "Canceled"):
        return 100
    if status != "Running" or node.end <= node.start:
        return 0
    return int(100 * (elapsed - node.start) / (node.end - node.start))
