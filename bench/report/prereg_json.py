"""Reading one benchmark tool's JSON result, with the error said plainly."""
import json


def read_result(path, error, kind=""):
    """The parsed JSON at path; error(message) raised when the file is
    missing or not JSON, naming the kind of result (e.g. "fio") if given."""
    k = f"{kind} " if kind else ""
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        raise error(f"missing {k}result file: {path}")
    except json.JSONDecodeError as e:
        raise error(f"{path} is not valid {k}JSON: {e}")


def read_stream(path, error, kind=""):
    """The JSON values written one after another at path (a result that a
    program appends to case by case), as a list; error() as read_result."""
    k = f"{kind} " if kind else ""
    try:
        with open(path) as f:
            text = f.read()
    except FileNotFoundError:
        raise error(f"missing {k}result file: {path}")
    dec, pos, out = json.JSONDecoder(), 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            return out
        try:
            obj, pos = dec.raw_decode(text, pos)
        except json.JSONDecodeError as e:
            raise error(f"{path} is not valid {k}JSON: {e}")
        out.append(obj)
