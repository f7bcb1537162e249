"""Production settings for ``collectstatic`` only, when the strict run fails.

A vendored file that references a file which is not shipped (leaflet.js's source map,
leaflet.css's images) makes the production manifest storage refuse the whole collection. The harness then collects
with the same storage minus the source-map rewriting, writes the same manifest, and reports the
failure; the servers still run on ``config.settings.production`` unchanged.
"""

from config.settings.production import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "bench.collectstatic_settings.LenientManifestStorage"},
}

from whitenoise.storage import CompressedManifestStaticFilesStorage  # noqa: E402


class LenientManifestStorage(CompressedManifestStaticFilesStorage):
    """Leaves a reference to a file that is not shipped as it is instead of failing."""

    def url_converter(self, name, hashed_files, template=None):
        convert = super().url_converter(name, hashed_files, template)

        def converter(matchobj):
            try:
                return convert(matchobj)
            except ValueError:
                return matchobj.group(0)

        return converter
