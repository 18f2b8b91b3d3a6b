"""What the Dash renderer posts, for tests that talk to the server without a browser."""

from __future__ import annotations

CALLBACK = "/_dash-update-component"
ROUTER = ".._pages_content.children..._pages_store.data.."


def router_body(path: str, search: object = "") -> dict:
    """The body the renderer posts to the Pages router when a URL opens."""
    return {
        "output": ROUTER,
        "outputs": [
            {"id": "_pages_content", "property": "children"},
            {"id": "_pages_store", "property": "data"},
        ],
        "inputs": [
            {"id": "_pages_location", "property": "pathname", "value": path},
            {"id": "_pages_location", "property": "search", "value": search},
        ],
        "changedPropIds": ["_pages_location.pathname"],
    }
