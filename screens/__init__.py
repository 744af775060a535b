"""Wizard screens, one module per screen."""
