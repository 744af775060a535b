"""The app shell and the command line of failback-prep."""

# The one place the version is written: the build reads it from here (pyproject.toml), and
# transcripts and reports record it without asking importlib.metadata, which is slow to load.
__version__ = "0.1.0"
