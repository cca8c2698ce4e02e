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
