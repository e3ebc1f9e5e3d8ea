from pathlib import Path

import pytest

from tests.conftest import add_template_dir

TEMPLATES_DIR = Path(__file__).parent / "templates"


@pytest.fixture
def site_templates(settings):
    """Adds tests/install/templates: base templates shaped like real section sites'."""
    return add_template_dir(settings, TEMPLATES_DIR)
