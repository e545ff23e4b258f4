"""OpenAPI schema extensions: how the API's own authentication classes appear in the schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the schema describes ``Authorization: Bearer crt_…``."""

    target_class = "registry.tokens.TokenAuthentication"
    name = "agencyToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "crt_<prefix>_<secret>",
            "description": "An agency API token, issued by the agency's administrator.",
        }
