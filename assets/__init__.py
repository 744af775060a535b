"""Package data: texts in each language and styles. Loaded with importlib.resources."""
