"""The XLSForm expressions a questionnaire may use in ``relevant`` and ``constraint``.

A small, safe subset of ODK's XPath: ``${name}`` references, ``.`` (the answer being checked),
numbers and quoted strings, ``= != < <= > >=``, ``+ - * div mod``, ``and or``, parentheses and the
functions ``selected``, ``count-selected``, ``not``, ``string-length``, ``number``, ``today``,
``true``, ``false``. An expression is parsed once, at import, into a tree of lists (JSON, so the
page's few lines of script evaluate the same tree as the server); nothing is ever ``eval``-ed.
"""

from __future__ import annotations

import math
import re

TOKEN = re.compile(
    r"""\s*(?:
      (?P<ref>\$\{(?P<refname>[^}]*)\})
    | (?P<num>\d+(?:\.\d+)?)
    | (?P<str>'[^']*'|"[^"]*")
    | (?P<op><=|>=|!=|=|<|>|\+|-|\*|\(|\)|,)
    | (?P<self>\.(?![\w.]))
    | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.X,
)

FUNCTIONS = {"selected": 2, "count-selected": 1, "not": 1, "string-length": 1, "number": 1, "today": 0, "true": 0, "false": 0}
COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


class ExpressionError(ValueError):
    """The expression cannot be understood; the message is for the person who wrote it."""


def tokenize(source: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    source = source.strip()
    while pos < len(source):
        match = TOKEN.match(source, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"无法识别“{source[pos : pos + 10]}”")
        pos = match.end()
        if match.group("ref") is not None:
            tokens.append(("ref", match.group("refname").strip()))
        elif match.group("num") is not None:
            tokens.append(("num", match.group("num")))
        elif match.group("str") is not None:
            tokens.append(("str", match.group("str")[1:-1]))
        elif match.group("op") is not None:
            tokens.append(("op", match.group("op")))
        elif match.group("self") is not None:
            tokens.append(("self", "."))
        else:
            tokens.append(("name", match.group("name")))
        while pos < len(source) and source[pos].isspace():
            pos += 1
    return tokens


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.i = 0

    def peek(self, kind=None, value=None):
        if self.i >= len(self.tokens):
            return None
        tok = self.tokens[self.i]
        if (kind and tok[0] != kind) or (value and tok[1] != value):
            return None
        return tok

    def take(self, kind=None, value=None):
        tok = self.peek(kind, value)
        if tok is None:
            got = self.tokens[self.i][1] if self.i < len(self.tokens) else "表达式结尾"
            raise ExpressionError(f"此处应为“{value or kind}”，实为“{got}”")
        self.i += 1
        return tok

    def parse(self):
        node = self.or_()
        if self.i != len(self.tokens):
            raise ExpressionError(f"多余的“{self.tokens[self.i][1]}”")
        return node

    def or_(self):
        node = self.and_()
        while self.peek("name", "or"):
            self.i += 1
            node = ["or", node, self.and_()]
        return node

    def and_(self):
        node = self.cmp()
        while self.peek("name", "and"):
            self.i += 1
            node = ["and", node, self.cmp()]
        return node

    def cmp(self):
        node = self.add()
        tok = self.peek("op")
        if tok and tok[1] in COMPARISONS:
            self.i += 1
            node = ["cmp", tok[1], node, self.add()]
        return node

    def add(self):
        node = self.mul()
        while (tok := self.peek("op")) and tok[1] in ("+", "-"):
            self.i += 1
            node = ["arith", tok[1], node, self.mul()]
        return node

    def mul(self):
        node = self.unary()
        while (tok := self.peek("op", "*")) or (tok := self.peek("name", "div")) or (tok := self.peek("name", "mod")):
            self.i += 1
            node = ["arith", tok[1], node, self.unary()]
        return node

    def unary(self):
        if self.peek("op", "-"):
            self.i += 1
            return ["arith", "-", ["num", 0], self.unary()]
        return self.primary()

    def primary(self):
        tok = self.peek()
        if tok is None:
            raise ExpressionError("表达式不完整")
        kind, value = tok
        if kind == "num":
            self.i += 1
            return ["num", float(value)]
        if kind == "str":
            self.i += 1
            return ["str", value]
        if kind == "ref":
            self.i += 1
            return ["ref", value]
        if kind == "self":
            self.i += 1
            return ["self"]
        if kind == "op" and value == "(":
            self.i += 1
            node = self.or_()
            self.take("op", ")")
            return node
        if kind == "name":
            if value not in FUNCTIONS:
                raise ExpressionError(f"不支持的函数或词“{value}”")
            self.i += 1
            self.take("op", "(")
            args = []
            if not self.peek("op", ")"):
                args.append(self.or_())
                while self.peek("op", ","):
                    self.i += 1
                    args.append(self.or_())
            self.take("op", ")")
            if len(args) != FUNCTIONS[value]:
                raise ExpressionError(f"函数 {value}() 需要 {FUNCTIONS[value]} 个参数")
            return ["call", value, args]
        raise ExpressionError(f"此处不应出现“{value}”")


def parse(source: str) -> list:
    """The expression as a tree, or ExpressionError naming what is wrong."""
    if len(source) > 1000:
        raise ExpressionError("表达式过长（最多 1000 个字符）")
    return _Parser(tokenize(source)).parse()


def references(node) -> set[str]:
    """The question names an expression refers to."""
    if not isinstance(node, list) or not node:
        return set()
    if node[0] == "ref":
        return {node[1]}
    out: set[str] = set()
    for part in node[1:]:
        if isinstance(part, list):
            for sub in part if part and isinstance(part[0], list) else [part]:
                out |= references(sub)
    return out


def _number(value) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return math.nan


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return "" if value is None else str(value)


def _truth(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return not math.isnan(value) and value != 0
    return bool(value)


def evaluate(node, answers: dict, current=None):
    """The value of ``node`` given ``answers`` (name → the XLSForm value as text; a
    select_multiple is its choices separated by spaces). Missing answers are empty text."""
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "str":
        return node[1]
    if kind == "ref":
        return answers.get(node[1], "") or ""
    if kind == "self":
        return "" if current is None else current
    if kind == "and":
        return _truth(evaluate(node[1], answers, current)) and _truth(evaluate(node[2], answers, current))
    if kind == "or":
        return _truth(evaluate(node[1], answers, current)) or _truth(evaluate(node[2], answers, current))
    if kind == "arith":
        a, b = _number(evaluate(node[2], answers, current)), _number(evaluate(node[3], answers, current))
        op = node[1]
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            return math.nan
        return a / b if op == "div" else math.fmod(a, b)
    if kind == "cmp":
        return _compare(node[1], evaluate(node[2], answers, current), evaluate(node[3], answers, current))
    if kind == "call":
        name, args = node[1], [evaluate(arg, answers, current) for arg in node[2]]
        if name == "selected":
            return _text(args[1]) in _text(args[0]).split()
        if name == "count-selected":
            return float(len(_text(args[0]).split()))
        if name == "not":
            return not _truth(args[0])
        if name == "string-length":
            return float(len(_text(args[0])))
        if name == "number":
            return _number(args[0])
        if name == "today":
            from django.utils import timezone

            return timezone.localdate().isoformat()
        return name == "true"
    raise ExpressionError(f"未知的表达式节点 {kind}")


def _compare(op: str, a, b) -> bool:
    if op in ("=", "!="):
        if isinstance(a, int | float) or isinstance(b, int | float):
            x, y = _number(a), _number(b)
            equal = not (math.isnan(x) or math.isnan(y)) and x == y
        else:
            equal = _text(a) == _text(b)
        return equal if op == "=" else not equal
    x, y = _number(a), _number(b)
    if math.isnan(x) or math.isnan(y):
        # dates (ISO text, e.g. today()) order as text; an empty answer is never ordered
        x, y = _text(a), _text(b)
        if not x or not y:
            return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def holds(node, answers: dict, current=None) -> bool:
    """Whether a relevant/constraint expression is true (an absent expression always is)."""
    if not node:
        return True
    try:
        return _truth(evaluate(node, answers, current))
    except (ArithmeticError, ValueError):
        return False
