"""The UI-free check engine of failback-prep.

Imports run one way: runner -> catalog -> vcenter/, azure/, network/ -> spec -> model.
Nothing in this package imports Textual or knows a screen.
"""
