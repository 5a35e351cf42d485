"""The manager API: Hydrosphere's `/api/v2` (as hydrosdk 3.0.3 and hs 3.0.3 call it) over the catalog.

`controller.api.app.create_app` builds the Flask app. This package file imports nothing, so the
CLI can use the pure helpers (`controller.api.signature`) without loading Flask or the catalog.
"""
