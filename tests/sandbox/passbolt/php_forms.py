"""Request forms as PHP reads them, for the Passbolt imitation: URL-encoded and multipart/form-data bodies become
nested arrays by their bracket names (php-src main/php_variables.c, main/rfc1867.c, main/SAPI.c; php.ini defaults).
Passbolt's browser extension logs in with multipart forms; CakePHP's BodyParserMiddleware hands PHP's result on."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes


# -- request forms as PHP reads them (main/php_variables.c, main/rfc1867.c; php.ini defaults) ---------------------
PHP_MAX_INPUT_VARS = 1000          # max_input_vars
PHP_MAX_INPUT_NESTING_LEVEL = 64   # max_input_nesting_level
PHP_MAX_FILE_UPLOADS = 20          # max_file_uploads (max_multipart_body_parts -1: max_input_vars + this)
_C_SPACE = " \t\n\v\f\r"           # C isspace()
_PHP_INT_KEY = re.compile(r"^(0|-?[1-9][0-9]*)$")


def _php_key(text):
    """A PHP array key: a canonical decimal integer string is an integer key (ZEND_HANDLE_NUMERIC_STR)."""
    if _PHP_INT_KEY.match(text) and -2 ** 63 <= int(text) < 2 ** 63:
        return int(text)
    return text


def _php_next_index(node):
    ints = [k for k in node if isinstance(k, int)]
    return max(max(ints) + 1, 0) if ints else 0


def _php_forbidden_name(index, name):
    """php_is_forbidden_variable_name: a key that mangling turned into a __Host- / __Secure- prefix is dropped."""
    return any(index.startswith(prefix) and not name.startswith(prefix) for prefix in ("__Host-", "__Secure-"))


def php_register_variable(track, var_name, value):
    """php_register_variable_ex into `track` (a dict with int/str keys): the name is a C string (cut at NUL),
    leading blanks dropped, " " and "." of the base name become "_", "a[b][]" nests (an unclosed "[" is kept as
    "_"), text after a "]" that is not "[" is ignored, nesting deeper than max_input_nesting_level drops the
    whole variable."""
    var_name = var_name.split("\0", 1)[0].lstrip(" ")
    chars = list(var_name)
    pos, is_array = 0, False
    while pos < len(chars):
        if chars[pos] in " .":
            chars[pos] = "_"
        elif chars[pos] == "[":
            is_array = True
            break
        pos += 1
    var = "".join(chars[:pos])
    if not var:
        return
    node, index, level = track, var, 0
    while is_array:
        level += 1
        if level > PHP_MAX_INPUT_NESTING_LEVEL:
            track.pop(_php_key(var), None)
            return
        pos += 1
        start = pos
        if pos < len(chars) and chars[pos] in _C_SPACE:
            pos += 1
        if pos < len(chars) and chars[pos] == "]":
            new_index = None
        else:
            close = var_name.find("]", pos)
            if close == -1:  # not an index: the "[" stays in the name as "_"
                if level == 1:
                    index = var + "_" + "".join("_" if c in " .[" else c for c in chars[start:])
                break
            new_index = var_name[start:close]
            pos = close
        if index is None:
            child = {}
            node[_php_next_index(node)] = child
        else:
            if _php_forbidden_name(index, var_name):
                return
            child = node.get(_php_key(index))
            if not isinstance(child, dict):
                child = node[_php_key(index)] = {}
        node, index = child, new_index
        pos += 1
        is_array = pos < len(chars) and chars[pos] == "["
    if index is None:
        node[_php_next_index(node)] = value
    elif not _php_forbidden_name(index, var_name):
        node[_php_key(index)] = value


def _php_url_decode(raw):
    """php_url_decode: "+" is a blank, %XX a byte, a bad escape stays as it is."""
    return unquote_to_bytes(raw.replace(b"+", b" "))


def _php_text(raw):
    return raw.decode("utf-8", "replace")


def php_parse_urlencoded(body, post):
    """A form body: `post` as PHP reads a POST (php_std_post_handler: every "&" segment counts, the
    max_input_vars-th + 1 is still registered, then parsing stops), else as parse_str() (CakePHP for
    PUT/PATCH/DELETE: empty segments skipped, at most max_input_vars)."""
    track = {}
    segments = body.split(b"&")
    if post and segments and segments[-1] == b"":
        segments.pop()  # "a=1&": the input ends after the separator
    count = 0
    for segment in segments:
        if not post and segment == b"":
            continue
        count += 1
        if not post and count > PHP_MAX_INPUT_VARS:
            break
        name, sep, value = segment.partition(b"=")
        name = _php_url_decode(name).split(b"\0", 1)[0]
        php_register_variable(track, _php_text(name), _php_text(_php_url_decode(value) if sep else b""))
        if post and count > PHP_MAX_INPUT_VARS:
            break
    return track


def _php_getword(line, stop):
    """php_ap_getword: up to `stop` outside quotes; returns (word, rest after the run of `stop`)."""
    pos = 0
    while pos < len(line) and line[pos] != stop:
        if line[pos] in "\"'":
            quote_char = line[pos]
            pos += 1
            while pos < len(line) and line[pos] != quote_char:
                pos += 2 if line[pos] == "\\" and line[pos + 1:pos + 2] == quote_char else 1
            pos = min(pos + 1, len(line))
        else:
            pos += 1
    word, rest = line[:pos], line[pos:]
    return word, rest.lstrip(stop)


def _php_getword_conf(text):
    """php_ap_getword_conf + substring_conf: a quoted value up to its closing quote (backslash escapes the
    quote and a backslash), else up to the first blank."""
    text = text.lstrip(_C_SPACE)
    quote_char = text[:1] if text[:1] in ("\"", "'") else ""
    if quote_char:
        text = text[1:]
    else:
        text = re.split("[" + re.escape(_C_SPACE) + "]", text, maxsplit=1)[0]
    out, pos = [], 0
    while pos < len(text) and text[pos] != (quote_char or "\0"):
        if text[pos] == "\\" and text[pos + 1:pos + 2] in ("\\", quote_char or "\\"):
            pos += 1
        out.append(text[pos])
        pos += 1
    return "".join(out)


def _php_multipart_boundary(content_type):
    """rfc1867_post_handler: the text after "boundary" (any case) and "=", quoted or up to "," / ";"; None when
    there is none ("Missing boundary ..." / "Invalid boundary ..." warnings: no form data)."""
    found = content_type.find("boundary")
    if found == -1:
        found = content_type.lower().find("boundary")
    equals = content_type.find("=", found) if found != -1 else -1
    if equals == -1:
        return None
    boundary = content_type[equals + 1:]
    if boundary.startswith('"'):
        end = boundary.find('"', 1)
        return boundary[1:end] if end != -1 else None
    return re.split("[,;]", boundary, maxsplit=1)[0]


def php_parse_multipart(body, content_type):
    """$_POST of a multipart/form-data POST as rfc1867_post_handler fills it: parts start after a line that is
    exactly "--boundary"; a part's value runs to the next "\n--boundary" (one "\r" before it dropped, no
    Content-Transfer-Encoding decoding); parts without Content-Disposition are skipped; one with neither name nor
    filename ("headers garbled") ends the parsing; file parts (filename=) go to $_FILES, not here (CakePHP merges
    them as UploadedFile objects: left out); at most max_input_vars values, max_input_vars + max_file_uploads parts.
    A body that does not parse leaves no data (PHP only logs a warning)."""
    track = {}
    boundary = _php_multipart_boundary(content_type)
    if boundary is None:
        return track
    delimiter, next_delimiter = ("--" + boundary).encode("latin-1", "replace"), \
        ("\n--" + boundary).encode("latin-1", "replace")
    pos, count, parts_left = 0, 0, PHP_MAX_INPUT_VARS + PHP_MAX_FILE_UPLOADS

    def next_line():
        nonlocal pos
        newline = body.find(b"\n", pos)
        if newline == -1:
            return None
        line = body[pos:newline]
        pos = newline + 1
        return line[:-1] if line.endswith(b"\r") else line

    while pos < len(body):
        line = next_line()
        while line is not None and line != delimiter:
            line = next_line()
        if line is None:
            break
        headers, key, value = [], None, None
        line = next_line()
        while line:
            if line[:1] not in _C_SPACE.encode() and b":" in line:
                if key is not None:
                    headers.append((key, value))
                key, dummy, value = line.partition(b":")
                value = value.lstrip(_C_SPACE.encode())
            elif key is not None:
                value += line
            line = next_line()
        if key is not None:
            headers.append((key, value))
        disposition = next((_php_text(v) for k, v in headers if _php_text(k).lower() == "content-disposition"), None)
        if disposition is None:
            continue
        parts_left -= 1
        if parts_left < 0:
            break
        param = filename = None
        rest = disposition.lstrip(_C_SPACE)
        while rest:
            pair, rest = _php_getword(rest, ";")
            rest = rest.lstrip(_C_SPACE)
            if "=" in pair:
                name, value_text = _php_getword(pair, "=")
                if name.lower() == "name":
                    param = _php_getword_conf(value_text)
                elif name.lower() == "filename":
                    filename = _php_getword_conf(value_text)
        if filename is None and param is not None:
            end = body.find(next_delimiter, pos)
            if end == -1:  # a partial delimiter at the very end counts as one (php_ap_memstr, partial)
                end = next((at for at in range(max(pos, len(body) - len(next_delimiter) + 1), len(body))
                            if next_delimiter.startswith(body[at:])), -1)
            raw = body[pos:] if end == -1 else body[pos:end]
            if end != -1 and raw.endswith(b"\r"):
                raw = raw[:-1]
            pos += len(raw)
            count += 1
            if count <= PHP_MAX_INPUT_VARS:
                php_register_variable(track, param, _php_text(raw))
            continue
        if param is None and filename is None:
            break  # "File Upload Mime headers garbled"
    return track


def php_array_to_json(value):
    """A parsed form as json_decode() would have handed it over: arrays keyed 0..n-1 are lists, other keys text."""
    if not isinstance(value, dict):
        return value
    if list(value) == list(range(len(value))):
        return [php_array_to_json(v) for v in value.values()]
    return {str(k): php_array_to_json(v) for k, v in value.items()}
