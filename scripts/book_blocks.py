"""The Python blocks of the book's chapters, run as the book shows them: shared by
scripts/python_check.py and scripts/store_check.py, which each run the chapters whose Python they
prove. A block followed by a `text` block must print exactly that text.
"""

import contextlib
import io
import os
from pathlib import Path


def blocks(chapter):
    """The chapter's (python code, text it prints) pairs, in order."""
    pairs, lines, i = [], Path(chapter).read_text().splitlines(), 0
    while i < len(lines):
        if lines[i].strip() == "```python":
            end = lines.index("```", i + 1)
            code = "\n".join(lines[i + 1:end])
            j = end + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            printed = None
            if j < len(lines) and lines[j].strip() == "```text":
                printed = "\n".join(lines[j + 1:lines.index("```", j + 1)])
            pairs.append((code, printed))
            i = end
        i += 1
    return pairs


def run_book(folder, chapters, check, minimum=3):
    """Runs the Python blocks of `chapters`, in order, in one namespace, in `folder`, and reports
    through `check(name, ok, detail)` whether there are at least `minimum`, and whether each runs
    and prints what the book shows."""
    pairs = [(chapter, code, printed) for chapter in chapters for code, printed in blocks(chapter)]
    check(f"{', '.join(os.path.basename(c) for c in chapters)}: Python blocks", len(pairs) >= minimum, len(pairs))
    namespace = {}
    os.chdir(folder)
    for number, (chapter, code, printed) in enumerate(pairs, 1):
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(code, f"{chapter} block {number}", "exec"), namespace)
        except Exception as err:  # a failing block is a failed check, reported with its error
            check(f"{chapter}: Python block {number} runs", False, repr(err))
            continue
        check(f"{chapter}: Python block {number} runs", True)
        if printed is not None:
            got = out.getvalue().rstrip()
            check(f"{chapter}: Python block {number} prints what the book shows", got == printed.rstrip(),
                  f"printed {got!r}")
