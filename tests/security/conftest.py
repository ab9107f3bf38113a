from tests.web.site import site  # noqa: F401  (pytest fixture: the web app's pages on a real database)
from tests.web.test_api_articles import api, editor  # noqa: F401  (pytest fixtures: the API and a token)
