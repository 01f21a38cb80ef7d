"""The one error hierarchy of the atlas: every error a client may see is an AtlasError."""

from __future__ import annotations


class AtlasError(Exception):
    """An error with an HTTP status, a stable code and a message a person understands."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidInput(AtlasError):
    """A query parameter, URL part or argument that cannot be used as given."""

    status = 400
    code = "invalid_input"


class NotFound(AtlasError):
    """Something the client asked for does not exist."""

    status = 404
    code = "not_found"


class LayerNotFound(NotFound):
    """No layer with that id is in the catalogue."""

    code = "layer_not_found"

    def __init__(self, layer_id: str) -> None:
        shown = layer_id if len(layer_id) <= 64 else layer_id[:61] + "..."
        super().__init__(f"There is no layer called '{shown}' in the catalogue.")


class FeatureNotFound(NotFound):
    """No feature with that id exists in the layer."""

    code = "feature_not_found"


class DatabaseUnavailable(AtlasError):
    """The database did not answer."""

    status = 503
    code = "database_unavailable"


class SettingsError(AtlasError):
    """A setting (ATLAS_* environment variable) has a value the atlas cannot use."""

    code = "settings_error"


class NotAuthenticated(AtlasError):
    """The request needs a signed-in user (a session or a token) and has none that is valid."""

    status = 401
    code = "not_authenticated"


class Forbidden(AtlasError):
    """The user is known but may not do this."""

    status = 403
    code = "forbidden"


class InvalidFeature(AtlasError):
    """A feature that breaks its layer's schema; `details["fields"]` says what is wrong with each field."""

    status = 422
    code = "invalid_feature"


class VersionConflict(AtlasError):
    """The feature changed since the version the client based its write on."""

    status = 412
    code = "version_conflict"


class PreconditionRequired(AtlasError):
    """A write that must name the version it is based on (If-Match) did not."""

    status = 428
    code = "precondition_required"


class PayloadTooLarge(AtlasError):
    """A request body over the size limit."""

    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(AtlasError):
    """A request body of a type this endpoint does not take."""

    status = 415
    code = "unsupported_media_type"


class Conflict(AtlasError):
    """The resource is busy with another operation (a second import into a layer while one runs)."""

    status = 409
    code = "conflict"


class ImportRefused(AtlasError):
    """An import that cannot go ahead as sent (no CRS, bad features, a CRS trap); details hold the report."""

    status = 422
    code = "import_refused"


class UntrustedHost(InvalidInput):
    """A request whose Host header names a host this atlas does not serve."""

    code = "untrusted_host"


class UriTooLong(AtlasError):
    """A request target longer than the atlas reads."""

    status = 414
    code = "uri_too_long"


class HeadersTooLarge(AtlasError):
    """A request with more header fields, or longer ones, than the atlas reads."""

    status = 431
    code = "headers_too_large"


class MalformedRequest(InvalidInput):
    """A request that is not valid HTTP (refused by the front server before the atlas sees it)."""

    code = "malformed_request"


class TooManyAttempts(AtlasError):
    """Too many failed sign-ins for an account or from an address; the next try must wait."""

    status = 429
    code = "too_many_attempts"
