"""The API's OpenAPI document: generated from every handler at build time (`make openapi`),
shipped in this layer, served by the docs functions. A test keeps it equal to a fresh generation.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from aws_lambda_powertools import event_handler

DOCUMENT_PATH = Path(__file__).with_name("openapi.json")


@cache
def openapi_json() -> str:
    return DOCUMENT_PATH.read_text(encoding="utf-8")


@cache
def swagger_page() -> str:
    # Imported here: Powertools' swagger_ui package loads its OpenAPI models (about 80 ms), which
    # only this page needs, so the document's function never pays for them and the page's pays at
    # its first request rather than at every cold start.
    from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

    assets = Path(event_handler.__file__).parent / "openapi" / "swagger_ui"
    html = generate_swagger_html(
        spec=openapi_json().replace("</", "<\\/"),
        swagger_js=(assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        swagger_css=(assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        swagger_base_url="",
        oauth2_config=None,
        persist_authorization=True,
    )
    # Powertools' page reloads the spec from "?format=json"; ours lives beside it. The address is
    # absolute because Swagger UI resolves the document's relative server (`..`) against it.
    return html.replace('currentUrl.pathname + "?format=json"', 'new URL("openapi.json", currentUrl).href')
