from pathlib import Path

import pytest

TEMPLATES_DIR = Path(__file__).parent / "templates"


@pytest.fixture
def site_templates(settings):
    """Adds tests/install/templates: base templates shaped like real section sites'."""
    engines = [dict(engine) for engine in settings.TEMPLATES]
    engines[0]["DIRS"] = [*engines[0]["DIRS"], TEMPLATES_DIR]
    settings.TEMPLATES = engines
    return TEMPLATES_DIR
