"""The app shell and the command line of failback-prep."""
