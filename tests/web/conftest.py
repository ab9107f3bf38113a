# pytest fixtures: the web app on a real database; the same with its own templates, as an admin.
from tests.web.site import admin_site, site, templates_dir  # noqa: F401
