"""OpenAPI description of the developer key (imported by the public API views to register it)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class DeveloperKeyScheme(OpenApiAuthenticationExtension):
    target_class = "lookup.developer_keys.DeveloperKeyAuthentication"
    name = "DeveloperKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Api-Key",
            "description": "Optional. A developer key (`dk_<prefix>_<secret>`) raises the rate limit from the "
            "anonymous per-address quota to the key's own quota. Unknown or revoked keys are refused (401).",
        }
