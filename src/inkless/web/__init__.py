"""The web map shared by the run report's replay and the live service's map.

Where it sits: a leaf beside the stages (it imports only ``errors``). The map code is
``static/replaymap.js`` (+ ``replaymap.css``); the libraries and basemap it runs on are installed
from npm at set-up (``web/package.json``, ``make web``) into ``static/vendor/``. The report
inlines them (:func:`inline_assets`); the service serves ``static/`` as it is.

Public API::

    static_dir() -> Traversable          the directory the service serves
    missing_assets() -> list[str]        vendor files not installed (empty when ready)
    inline_assets(bbox) -> MapAssets     every file's text for one self-contained page
    MISSING_HINT                         the one line that says how to install them
"""

from __future__ import annotations

from .assets import MISSING_HINT, MapAssets, inline_assets, missing_assets, static_dir

__all__ = ["MISSING_HINT", "MapAssets", "inline_assets", "missing_assets", "static_dir"]
