from tests.services.imports.uploads import ctx  # noqa: F401
