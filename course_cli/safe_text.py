"""Text that came from a student, made harmless to show: in a terminal, in JSON and in HTML.

A student's exception message, file name or path can carry terminal escape
sequences (clear the screen, write the clipboard with OSC 52, hide text),
bidirectional overrides that reorder what is shown, or zero-width characters.
Every such character is shown as its escape (``\\x1b``, ``\\u202e``) instead:
control characters (Unicode category Cc, except newline and tab), format
characters (Cf: bidi controls, zero-width spaces and joiners, the BOM) and the
line and paragraph separators (Zl, Zp).
"""
import functools
import json
import unicodedata

_KEEP = frozenset("\n\t")


@functools.lru_cache(maxsize=4096)
def _unsafe(char):
    return char not in _KEEP and unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def _sub(text, replace):
    if text.isprintable():  # nearly always: no control, format or separator character at all
        return text
    return "".join(replace(c) if _unsafe(c) else c for c in text)


def _escaped(char):
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def escape(text):
    """text with every unsafe character written as its escape; anything else is shown as str() does."""
    return _sub(str(text), _escaped)


def _json_escaped(char):
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def dumps(obj, **kwargs):
    """json.dumps, readable (not ASCII-only), with every unsafe character as a \\uXXXX escape.

    Lossless: the document parses back to exactly `obj`. Unsafe characters can only be inside
    JSON strings, where the escape means the same character.
    """
    return _sub(json.dumps(obj, ensure_ascii=False, **kwargs), _json_escaped)


def html_finalize(value):
    """For jinja2's Environment(finalize=...): every string a template prints is escaped first
    (jinja2's autoescape then takes care of <, >, & and quotes)."""
    from markupsafe import Markup

    return value if isinstance(value, Markup) or not isinstance(value, str) else escape(value)
