"""The live what-if of ``siting serve``: click a site on the meeting map, see coverage change at once.

Room for: the incremental coverage state of a loaded run (:mod:`~siting.serve.engine`, on
:class:`siting.network.NearestState`), the optimizer job with its cancel (:mod:`~siting.serve.optimizer`),
saving the state as a scenario and exporting its map and report (:mod:`~siting.serve.files`), the page
(:mod:`~siting.serve.page`, the meeting map plus ``siting_serve.js``) and the Starlette app
(:mod:`~siting.serve.app`). Starlette and uvicorn are the optional extra ``serve``; this ``__init__``
imports neither, so ``import siting.serve`` works without them.

May import: ``pipeline``, ``outputs``, ``check`` and everything below them.
"""

from siting.serve.engine import Station, WhatIf

__all__ = ["Station", "WhatIf"]
