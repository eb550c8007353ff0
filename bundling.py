"""How the script body is put together from the package's modules (used by build_template.py).

The body is the modules, in the order given, as readable source under a banner each: their
package-relative imports dropped, their standard-library imports merged into one block at the
top, and only the definitions the entry reaches kept, so a reviewer reads only code that runs
inside Octopus. A body Octopus would corrupt (`#` followed by `{`) or that Python 3.8 cannot
parse is refused.
"""

import ast
import os
import re

PACKAGE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib", "child_deploy")
SYNTAX_FLOOR = (3, 8)
ENTRY_CALL = "main(globals())\n"
CALAMARI_NAMES = frozenset((
    "octopusvariables", "encode", "decode", "decrypt", "unpad", "AES", "get_octopusvariable",
    "set_octopusvariable", "createartifact", "updateprogress", "failstep", "printverbose",
    "printhighlight", "printwait", "printwarning"))
THIRD_PARTY = ("requests", "dateutil", "urllib3", "certifi")


def module_path(name):
    return os.path.join(PACKAGE_DIR, name + ".py")


def read_source(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def split_module(name, source, earlier=()):
    """Return (the module's stdlib import nodes, its top-level statements as (node, text)).

    A package-relative import is dropped (the bundle is one namespace); it must name a module
    bundled before this one (`earlier`), or the name would be used before it is defined.
    """
    tree = ast.parse(source, filename=name)
    lines = source.splitlines(keepends=True)
    imports, statements, begin = [], [], 0
    for node in tree.body:
        end = node.end_lineno
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            if isinstance(node, ast.ImportFrom) and node.level:
                check_order(name, node, earlier)
            else:
                check_stdlib(name, node)
                imports.append(node)
        else:
            check_top_level(name, node)
            statements.append((node, "".join(lines[begin:end])))
        begin = end
    return imports, statements


def check_order(name, node, earlier):
    imported = (node.module or "").split(".")[-1]
    if earlier is not None and imported not in {module.split("/")[-1] for module in earlier}:
        raise SystemExit("{0}.py imports {1}, which is not bundled before it; put it earlier in "
                         "MODULES.".format(name, node.module))


def check_stdlib(name, node):
    root = (node.module if isinstance(node, ast.ImportFrom) else node.names[0].name).split(".")[0]
    if root in THIRD_PARTY:
        raise SystemExit("{0}.py imports {1} at module level; import it inside the function that "
                         "needs it, after dependencies.py has run.".format(name, root))


def check_top_level(name, node):
    allowed = (ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)
    is_docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    if not (isinstance(node, allowed) or is_docstring):
        raise SystemExit("{0}.py line {1}: only imports, constants, functions and classes may sit "
                         "at module level in a bundled module.".format(name, node.lineno))


def statement_names(node):
    """The top-level names one statement defines."""
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    names = set()
    for target in targets:
        for item in ast.walk(target) if target is not None else ():
            if isinstance(item, ast.Name):
                names.add(item.id)
    return names


def defined_names(source):
    names = set()
    for node in ast.parse(source).body:
        if not isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr)):
            names |= statement_names(node)
    return names


def used_names(node):
    return {item.id for item in ast.walk(node) if isinstance(item, ast.Name)}


def reachable(statements, roots):
    """Names reachable from `roots` through the top-level definitions that use them."""
    uses = {}
    for node, _text in statements:
        for name in statement_names(node):
            uses.setdefault(name, set()).update(used_names(node))
    seen, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name not in seen and name in uses:
            seen.add(name)
            todo.extend(uses[name])
    return seen


def check_names(sources):
    """Refuse a bundle where two modules define one name, or a module shadows a name Calamari
    gives the script or one a module imports from the standard library: the bundle is one
    namespace, so `quote` defined in one module would replace urllib's `quote` in another."""
    imported = {}
    for name, source in sources:
        for node in ast.parse(source).body:
            if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
                for alias in node.names:
                    imported.setdefault((alias.asname or alias.name).split(".")[0], name)
    owner = {}
    for name, source in sources:
        for defined in defined_names(source):
            if defined in CALAMARI_NAMES:
                raise SystemExit("{0}.py defines {1}, a name Calamari gives the script.".format(
                    name, defined))
            if defined in imported:
                raise SystemExit("{0}.py defines {1}, a name {2}.py imports; the bundle shares "
                                 "one namespace.".format(name, defined, imported[defined]))
            if defined in owner:
                raise SystemExit("{0} is defined in both {1}.py and {2}.py; the bundle shares one "
                                 "namespace.".format(defined, owner[defined], name))
            owner[defined] = name


def build_body(modules, version):
    """The script body: header, merged imports, every module under a banner, the entry call.

    Only what the entry reaches is kept: a definition that nothing running inside Octopus uses
    is left out (the header names them), so a reviewer reads only code that can run.
    """
    sources = [(name, read_source(module_path(name))) for name in modules]
    check_names(sources)
    split = [(name,) + split_module(name, source, modules[:index])
             for index, (name, source) in enumerate(sources)]
    everything = [statement for _name, _imports, statements in split for statement in statements]
    keep = reachable(everything, used_names(ast.parse(ENTRY_CALL)))
    parts, left_out, imports = [], [], []
    for name, module_imports, statements in split:
        kept = [text for node, text in statements
                if not statement_names(node) or statement_names(node) & keep]
        left_out += ["{0}.{1}".format(name.split("/")[-1], n) for node, _text in statements
                     for n in sorted(statement_names(node) - keep)]
        imports += module_imports
        parts.append(banner("{0}.py".format(name)) + tidy("".join(kept)))
    code = merged_imports(imports) + "\n\n" + "\n\n".join(parts)
    code += "\n\n" + banner("start") + ENTRY_CALL
    body = with_contents(header(version, left_out), code)
    verify_body(body)
    return body


RULE = "-" * 8     # either side of a file's name in its banner


def banner(title):
    return "# " + RULE + " " + title + " " + RULE + "\n\n"


def tidy(text):
    """Module text without runs of more than two blank lines (left where definitions were cut)."""
    return re.sub(r"\n{4,}", "\n\n\n", text.strip("\n")) + "\n"


def merged_imports(nodes):
    """One line per imported module: `import x` lines, then `from x import a, b` lines."""
    plain, names_from = set(), {}
    for node in nodes:
        if isinstance(node, ast.Import):
            plain.update(alias_text(alias) for alias in node.names)
        else:
            names_from.setdefault(node.module, set()).update(alias_text(a) for a in node.names)
    lines = ["import " + name for name in sorted(plain)]
    lines += ["from {0} import {1}".format(module, ", ".join(sorted(names)))
              for module, names in sorted(names_from.items())]
    return "\n".join(lines) + "\n"


def alias_text(alias):
    return alias.name + (" as " + alias.asname if alias.asname else "")


def first_line(version):
    return "# Deploy Child Octopus Deploy Project (Python), template version {0}.\n".format(version)


def header(version, left_out):
    text = first_line(version) + (
        "# GENERATED by build_template.py from lib/child_deploy: change those, not this.\n")
    text += ("# Not bundled: the terminal (shell/cli.py, base/terminal.py), the parameters' help\n"
             "# (shell/parameter_help.py) and the demo, which never run inside Octopus.\n"
             "# Docstrings are the short form; docs/design.md in the repository is the long one.\n")
    if left_out:
        text += wrap_comment("Left out, as nothing inside Octopus uses them: "
                             + ", ".join(left_out) + ".")
    return text + "\n"


def with_contents(head, code):
    """The header, a table of contents (the line each file starts on, where the story is), then
    the code: the body is read in the Octopus UI, where searching is all a reviewer has."""
    banners = [(number, line.split()[2]) for number, line in enumerate(code.splitlines(), 1)
               if line.startswith("# " + RULE + " ")]
    title = ("# Contents (line: file of lib/child_deploy). The step's story is deploy_child in "
             "shell/flow.py.")
    offset = head.count("\n") + 1 + len(banners) + 1      # the code starts after a blank line
    rows = ["# {0:>5}: {1}".format(number + offset, name) for number, name in banners]
    return head + "\n".join([title] + rows) + "\n\n" + code


def wrap_comment(text, width=98):
    lines, line = [], "#"
    for word in text.split():
        if len(line) + 1 + len(word) > width:
            lines.append(line)
            line = "#"
        line += " " + word
    return "\n".join(lines + [line]) + "\n"


def verify_body(body):
    """Refuse a body Octopus would alter or an older worker could not run."""
    if "#" + "{" in body:
        line = next(n for n, text in enumerate(body.splitlines(), 1) if "#" + "{" in text)
        raise SystemExit("The script body contains '#' followed by '{' (line %d); Octopus would "
                         "substitute it. Build such text from parts." % line)
    try:
        ast.parse(body, feature_version=SYNTAX_FLOOR)
    except SyntaxError as error:
        raise SystemExit("The script body is not valid Python %d.%d: %s" % (
            SYNTAX_FLOOR + (error,)))
    compile(body, "ScriptBody", "exec")
