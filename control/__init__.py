"""The wizard's state and operations, without a terminal: the check runs, the fix-it flow, the
manual answers, credentials and trust, and the session they are recorded in.

The layers, each importing only those below it (tests/engine/test_layering.py and the import-linter
contracts in pyproject.toml hold them): `tui` (the Textual app and the command line) -> `screens`
(one module per screen, and the widgets they share) -> `control` (this) -> `checks` (the engine).
"""
