from tests.web.site import site  # noqa: F401  (pytest fixture: the web app on a real database)
