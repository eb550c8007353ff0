"""The logic mutants of a module: where they are, and the module's source with one applied.

Pure: ast in, text out. tools/mutate.py builds and tests them.
"""

import ast
import json
from collections import namedtuple

Mutant = namedtuple("Mutant", "index line kind before after")

COMPARE_SWAPS = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt,
                 ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In,
                 ast.Is: ast.IsNot, ast.IsNot: ast.Is}
BINARY_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
                ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult}
MIN_MAX = {"min": "max", "max": "min"}
SYMBOLS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
           ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.Add: "+",
           ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
           ast.Pow: "**", ast.And: "and", ast.Or: "or"}


class Mutator(ast.NodeTransformer):
    """Walks a module in a fixed order, numbering every mutation point; applies number `target`.

    With target None it only collects the points, so the same walk both lists and applies.
    """

    def __init__(self, target=None):
        self.target, self.points, self._next = target, [], 0

    def _point(self, node, kind, before, after):
        """Record one mutation point; True when it is the one to apply."""
        index = self._next
        self._next += 1
        self.points.append(Mutant(index, getattr(node, "lineno", 0), kind, before, after))
        return index == self.target

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node                                  # a docstring
        self.generic_visit(node)
        if isinstance(node.value, ast.Call) and self._point(
                node, "dropped call", _short(ast.unparse(node.value.func)) + "(...)", "pass"):
            return ast.copy_location(ast.Pass(), node)   # a call made for what it does
        return node

    def visit_Call(self, node):
        self.generic_visit(node)
        name = node.func.id if isinstance(node.func, ast.Name) else ""
        if name in MIN_MAX and self._point(node, "min/max", name, MIN_MAX[name]):
            node.func = ast.copy_location(ast.Name(MIN_MAX[name], ast.Load()), node.func)
        return node

    def visit_JoinedStr(self, node):
        return node                                      # f-string text is message, not logic

    def visit_Compare(self, node):
        self.generic_visit(node)
        for position, op in enumerate(node.ops):
            swap = COMPARE_SWAPS[type(op)]
            if self._point(node, "comparison", SYMBOLS[type(op)], SYMBOLS[swap]):
                node.ops[position] = swap()
        for operand in [node.left] + node.comparators:
            self._compared_strings(operand)
        return node

    def _compared_strings(self, operand):
        items = operand.elts if isinstance(operand, (ast.Tuple, ast.List, ast.Set)) else [operand]
        for item in items:
            if isinstance(item, ast.Constant) and isinstance(item.value, str):
                changed = item.value + "_" if item.value else "_"
                if self._point(item, "compared string", repr(item.value), repr(changed)):
                    item.value = changed

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        swap = ast.Or if isinstance(node.op, ast.And) else ast.And
        if self._point(node, "boolean", SYMBOLS[type(node.op)], SYMBOLS[swap]):
            node.op = swap()
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not) and self._point(node, "boolean", "not x", "x"):
            return node.operand
        if isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant) and \
                self._point(node, "number", "-n", "n"):
            return node.operand
        return node

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if _is_text(node.left) or _is_text(node.right) or type(node.op) not in BINARY_SWAPS:
            return node                                  # building a message, not computing
        swap = BINARY_SWAPS[type(node.op)]
        if self._point(node, "arithmetic", SYMBOLS[type(node.op)], SYMBOLS[swap]):
            node.op = swap()
        return node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        if _is_text(node.value) or type(node.op) not in BINARY_SWAPS:
            return node
        swap = BINARY_SWAPS[type(node.op)]
        if self._point(node, "arithmetic", SYMBOLS[type(node.op)] + "=", SYMBOLS[swap] + "="):
            node.op = swap()
        return node

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool):
            if self._point(node, "boolean", repr(value), repr(not value)):
                node.value = not value
        elif isinstance(value, (int, float)):
            changed = {0: 1, 1: 0}.get(value, value + 1)
            if self._point(node, "number", repr(value), repr(changed)):
                node.value = changed
        return node


def _is_text(node):
    """A string, or a sum with a string in it (a message being joined)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_text(node.left) or _is_text(node.right)
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or \
        isinstance(node, ast.JoinedStr)


def _short(code):
    return code if len(code) <= 40 else code[:37] + "..."


def list_mutants(source):
    mutator = Mutator()
    mutator.visit(ast.parse(source))
    return mutator.points


def mutated_source(source, index):
    """The module's source with mutant `index` applied (comments are lost; behaviour is not)."""
    tree = Mutator(index).visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def mutant_keys(source):
    """Mutant index -> a name made of its code, not its number, so it is found again after other
    lines move; two alike mutants of the same code (a second `frozen=True`) get #1, #2, ..."""
    lines, seen, keys = source.splitlines(), {}, {}
    for mutant in list_mutants(source):
        code = lines[mutant.line - 1].strip() if mutant.line else ""
        base = "|".join((code, mutant.kind, mutant.before, mutant.after))
        seen[base] = seen.get(base, 0) + 1
        keys[mutant.index] = "{0}|#{1}".format(base, seen[base])
    return keys


def survivors_of(path, module, mutants, source):
    """The mutants that survived in an earlier --json run (a cheap re-check after new tests)."""
    with open(path, encoding="utf-8") as handle:
        earlier = json.load(handle).get(module, {}).get("results", [])
    survived = {r["key"] for r in earlier if r["status"] == "survived"}
    keys = mutant_keys(source)
    return [m for m in mutants if keys[m.index] in survived]
