"""The investigator console: the live graph in a browser, every fact with its signed source.

`regulink console --as AGENCY` runs a small web application (Starlette on
uvicorn) on 127.0.0.1 that is a *client* of the gateway: it asks through the
partner SDK (gateway.sdk.client) over gRPC with the agency's mTLS identity, so
the gateway stays gRPC-only and keeps deciding what the agency may see. The
console never holds more than the gateway gave that agency, keeps no record
contents on disk, and logs none.

    access.py     who may use this console: one-time link tokens, sessions, logins, origin checks
    link.py       the gateway through the SDK: errors, reachability, the pinned log key
    proofs.py     a record's signature and inclusion, checked here with the pinned log key
    live.py       one Subscribe stream: new records touching the canvas, to each open page
    alerts.py     one Alerts stream: the agency's alerts as they stand, to each open page (through live.py)
    views.py      the SDK's answers as the page's JSON
    saved.py      saved investigations, per agency, in a local SQLite file
    api.py        the page's JSON endpoints
    app.py        the ASGI application: routes, security headers, static assets
    command.py    `regulink console` and `regulink console-user`

The page (static/) is plain ES modules, CSS and the cytoscape.js the HTML
export vendors (graph/export/vendor/), every byte served by the console
itself: nothing is fetched from anywhere else (air-gapped networks).
docs/console.md is the user's guide.
"""
