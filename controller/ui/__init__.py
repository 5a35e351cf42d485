"""Hydro's web UI, a Flask blueprint of the controller: `app.register_blueprint(controller.ui.blueprint)`.

Pages live under `/ui/` (`/` redirects there): server-rendered Jinja shells that a small Preact +
htm layer fills from the public API (`/api/v2/...`, the gateway, and the functions' reads through
`/ui/reads/...`), live from `/api/v2/events`. Every asset is served from `/ui/static/`: no CDN.
See docs/ui.md.
"""

from controller.ui.pages import blueprint

__all__ = ["blueprint"]
