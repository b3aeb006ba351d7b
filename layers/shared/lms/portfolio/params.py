"""The query parameters every portfolio report takes."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from lms.api.types import IsoDate

AsOfParam = Annotated[
    IsoDate | None,
    Query(alias="asOf", description="A past business date (its daily record), or today (the default): live figures"),
]
OfficeParam = Annotated[int | None, Query(alias="officeId", ge=1, description="Only the loans of this office")]
ProductParam = Annotated[int | None, Query(alias="productId", ge=1, description="Only the loans of this product")]
CurrencyParam = Annotated[
    str | None, Query(min_length=3, max_length=3, description="One currency (ISO 4217); all by default")
]
