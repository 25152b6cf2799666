"""A stand-in for pytablewriter in the test suite's lm-eval environment only.

pip's index on the test machines has no pytablewriter (nor its dependencies). lm-eval's CLI
imports it after it has saved its results and samples, to print a summary table; nothing it
writes to a file goes through here. These two classes print that table plainly, so the CLI
exits 0. Never installed in an environment intern provisions for a recipe.
"""


class MarkdownTableWriter:
    def __init__(self):
        self.headers = []
        self.value_matrix = []

    def dumps(self):
        rows = [self.headers, *self.value_matrix]
        return "\n".join("|" + "|".join(str(v) for v in row) + "|" for row in rows)


class LatexTableWriter(MarkdownTableWriter):
    pass
