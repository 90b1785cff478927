"""numexpr's expression builder, ``E``, for code written against it.

``E.a * 2 + E.b`` builds the program text ``((a * 2) + b)``; ``NumExpr``
and ``evaluate`` accept the result wherever they accept a string. numjet
types and folds the text itself, so these objects carry only text: there
is no numexpr-style node tree, kind inference or constant folding here.
"""

import math

__all__ = ["E", "Expression", "ConstantNode", "VariableNode"]


def _text(x):
    if isinstance(x, Expression):
        return x.text
    if isinstance(x, bool):
        return "True" if x else "False"
    if isinstance(x, (int, float)):
        return repr(x)
    if isinstance(x, complex):
        # Python's own text of it (`(1+2j)`), which numjet's imaginary
        # literals read as Python does: a weak complex number.
        if not (math.isfinite(x.real) and math.isfinite(x.imag)):
            raise ValueError(f"numjet expressions cannot write the complex constant {x!r} as program text")
        return repr(x)
    raise TypeError(f"numjet expressions combine with numbers and other expressions, not {type(x).__name__}")


class Expression:
    """A piece of program text that combines with operators."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def __str__(self):
        return self.text

    def __repr__(self):
        return f"Expression({self.text!r})"

    def _bin(self, op, other, reverse=False):
        a, b = (_text(other), self.text) if reverse else (self.text, _text(other))
        return Expression(f"({a} {op} {b})")

    def __add__(self, o): return self._bin("+", o)
    def __radd__(self, o): return self._bin("+", o, True)
    def __sub__(self, o): return self._bin("-", o)
    def __rsub__(self, o): return self._bin("-", o, True)
    def __mul__(self, o): return self._bin("*", o)
    def __rmul__(self, o): return self._bin("*", o, True)
    def __truediv__(self, o): return self._bin("/", o)
    def __rtruediv__(self, o): return self._bin("/", o, True)
    def __floordiv__(self, o): return self._bin("//", o)
    def __rfloordiv__(self, o): return self._bin("//", o, True)
    def __mod__(self, o): return self._bin("%", o)
    def __rmod__(self, o): return self._bin("%", o, True)
    def __pow__(self, o): return self._bin("**", o)
    def __rpow__(self, o): return self._bin("**", o, True)
    def __and__(self, o): return self._bin("&", o)
    def __rand__(self, o): return self._bin("&", o, True)
    def __or__(self, o): return self._bin("|", o)
    def __ror__(self, o): return self._bin("|", o, True)
    def __xor__(self, o): return self._bin("^", o)
    def __rxor__(self, o): return self._bin("^", o, True)
    def __lshift__(self, o): return self._bin("<<", o)
    def __rlshift__(self, o): return self._bin("<<", o, True)
    def __rshift__(self, o): return self._bin(">>", o)
    def __rrshift__(self, o): return self._bin(">>", o, True)
    def __lt__(self, o): return self._bin("<", o)
    def __le__(self, o): return self._bin("<=", o)
    def __gt__(self, o): return self._bin(">", o)
    def __ge__(self, o): return self._bin(">=", o)
    def __eq__(self, o): return self._bin("==", o)  # noqa: PLR0124 (builds text)
    def __ne__(self, o): return self._bin("!=", o)
    def __neg__(self): return Expression(f"(-{self.text})")
    def __pos__(self): return self
    def __invert__(self): return Expression(f"(~{self.text})")
    __hash__ = None


class VariableNode(Expression):
    """A name: ``E.a``."""


class ConstantNode(Expression):
    """A number as an expression: ``ConstantNode(2.5)``."""

    def __init__(self, value):
        super().__init__(_text(value))
        self.value = value


class _E:
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return VariableNode(name)


E = _E()
