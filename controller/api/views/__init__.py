"""One blueprint per resource of the manager API; each view is a thin adapter over the catalog."""
