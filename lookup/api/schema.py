"""OpenAPI description of the developer key, alone or beside an agency token (imported by the public
API views and the webhooks API to register it)."""

from drf_spectacular.drainage import set_override
from drf_spectacular.extensions import OpenApiAuthenticationExtension

from registry.api.schema import AGENCY_TOKEN_SCHEME, TokenAuthenticationScheme

DEVELOPER_KEY_SCHEME = {
    "type": "apiKey",
    "in": "header",
    "name": "X-Api-Key",
    "description": "Optional. A developer key (`dk_<prefix>_<secret>`) raises the rate limit from the "
    "anonymous per-address quota to the key's own quota. Unknown or revoked keys are refused (401).",
}


class DeveloperKeyScheme(OpenApiAuthenticationExtension):
    target_class = "lookup.developer_keys.DeveloperKeyAuthentication"
    name = "DeveloperKey"

    def get_security_definition(self, auto_schema):
        return DEVELOPER_KEY_SCHEME


class KeyOrAgencyTokenScheme(OpenApiAuthenticationExtension):
    """Either credential (OR): the developer key's scheme or the agency token's, the same two schemes
    the other endpoints name."""

    target_class = "lookup.developer_keys.KeyOrAgencyTokenAuthentication"
    name = [DeveloperKeyScheme.name, TokenAuthenticationScheme.name]

    def get_security_requirement(self, auto_schema):
        return [{name: []} for name in self.name]

    def get_security_definition(self, auto_schema):
        # The same two schemes, to the letter, as the classes that register them alone: not a
        # collision of two names for two things (as drf-spectacular's own pydantic extension does).
        set_override(type(self.target), "suppress_collision_warning", True)
        return [DEVELOPER_KEY_SCHEME, AGENCY_TOKEN_SCHEME]
