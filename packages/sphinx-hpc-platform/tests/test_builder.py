"""The job-script builder (sphinx_hpc_platform.builder) of a site whose platform has no module for
Python, its scientific stack or MPI: the page builds without a warning, its form has no field for
those modules and offers no MPI job, its scripts load no module, and the page loads the form's
script and style, which the extension copies itself (no language switcher in this site). The
modules a script loads come from platform.toml's `role`, whatever the modules are named."""
from __future__ import annotations

import functools
import html
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import hpc_platform
import pytest
from sphinx_hpc_platform.assets import STATIC
from sphinx_hpc_platform.builder import SCRIPTS, STYLE, builder_facts

# Modules, none of them with a role: "mpi" is openmpi's Lmod label (type), not a role.
PLATFORM = """\
[guide]
languages = { en = "English" }
titles = { en = "Lab guide" }
columns = 100
rows = 50

[site]
names = { en = "Lab Cluster" }

[login]
host = "hpc1"
user = "bob"
prompt = "{user}@{host}:{dir}$ "
module_avail_columns = 80

[slurm]
cluster_name = "lab"

[[partitions]]
name = "batch"
default = true
access = "everyone"
time_limit_days = 2

[[nodes]]
names = ["n001", "n002"]
partitions = ["batch"]
cores = 8
memory = "16G"

[modules.gcc]
versions = ["13.2"]
default = "13.2"
type = "tools"

[modules.openmpi]
versions = ["5.0.3"]
default = "5.0.3"
type = "mpi"
needs = ["gcc"]
"""

# The same platform with modules that play the roles, under other names than the IQ Cluster's.
ROLES = PLATFORM + """
[modules.py]
versions = [".3.10.0", "3.12.1", "3.13.0"]
default = "3.13.0"
role = "interpreter"

[modules.sci]
versions = ["2025.1"]
default = "2025.1"
needs = ["py"]
role = "scientific-stack"

[modules.pympi]
versions = ["4.0.0"]
default = "4.0.0"
needs = ["py", "openmpi"]
role = "mpi"
"""

PAGE = """\
Lab
===

.. toctree::

   other

.. job-script-builder::

   This form needs JavaScript.

   - ``field.kind``: What the job runs
   - ``kind.one``: One Python process
   - ``output.caption``: Your job script
"""


def write_site(root: Path, platform: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "platform.toml").write_text(platform, encoding="utf-8")
    # The facts extension alone, which loads the builder: no language switcher, no copy buttons.
    (root / "conf.py").write_text('extensions = ["sphinx_hpc_platform.facts"]\nhtml_theme = "furo"\n',
                                  encoding="utf-8")
    (root / "index.rst").write_text(PAGE, encoding="utf-8")
    (root / "other.rst").write_text("Other\n=====\n\nText.\n", encoding="utf-8")
    return root


def build(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "-n", "-q", str(root),
                           str(root / "_build")], capture_output=True, text=True)


def facts_of(page: Path) -> dict:
    found = re.search(r'<div class="job-script-builder" data-facts="([^"]*)"', page.read_text(encoding="utf-8"))
    assert found, f"no builder in {page}"
    return json.loads(html.unescape(found[1]))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    pytest.importorskip("furo")
    root = write_site(tmp_path_factory.mktemp("lab"), PLATFORM)
    result = build(root)
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "_build"


def test_a_platform_without_those_modules_builds_the_form_with_its_partitions_only(built):
    facts = facts_of(built / "index.html")
    assert facts["modules"] == {}
    assert [p["name"] for p in facts["partitions"]] == ["batch"]
    assert facts["partitions"][0]["nodes"] == [{"name": "n001-n002", "count": 2, "cores": 8, "memory_mb": 16384,
                                                "gpus": 0, "gpu_type": ""}]


def test_the_extension_copies_and_loads_its_own_files_on_the_forms_page_only(built):
    for name in (*SCRIPTS, STYLE):
        assert (built / "_static" / name).read_bytes() == (STATIC / name).read_bytes(), name
    index, other = ((built / page).read_text(encoding="utf-8") for page in ("index.html", "other.html"))
    for script in SCRIPTS:
        assert re.search(rf'<script src="_static/{re.escape(script)}(\?v=\w+)?"></script>', index), script
        assert script not in other
    assert re.search(rf'<link rel="stylesheet" type="text/css" href="_static/{STYLE}(\?v=\w+)?" />', index)
    assert STYLE not in other


def test_the_forms_facts_follow_platform_toml_in_an_incremental_build(tmp_path):
    pytest.importorskip("furo")
    # The same modules, first without their roles: the substitutions (|py_default|...) stay the same,
    # so only the page's dependency on the file rebuilds it.
    root = write_site(tmp_path / "lab", re.sub(r'(?m)^role = ".*"\n', "", ROLES))
    assert build(root).returncode == 0
    assert facts_of(root / "_build" / "index.html")["modules"] == {}
    (root / "platform.toml").write_text(ROLES, encoding="utf-8")  # the page itself is unchanged
    result = build(root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert sorted(facts_of(root / "_build" / "index.html")["modules"]) == ["interpreter", "mpi", "scientific-stack"]


def test_every_file_the_form_loads_is_package_data():
    """A wheel ships what the page loads: each file matches a pattern of the package's package-data."""
    import tomllib
    pyproject = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["sphinx_hpc_platform"]
    for name in (*SCRIPTS, STYLE):
        assert any(Path("static", name).match(pattern) for pattern in patterns), (name, patterns)


def test_the_modules_of_a_job_script_are_those_platform_toml_gives_a_role(tmp_path):
    (tmp_path / "platform.toml").write_text(ROLES, encoding="utf-8")
    facts = builder_facts(hpc_platform.load(tmp_path / "platform.toml"))
    assert facts["modules"] == {
        "interpreter": {"name": "py", "default": "3.13.0", "versions": ["3.12.1", "3.13.0"],  # not the hidden one
                        "needs_versions": {}},
        "scientific-stack": {"name": "sci", "default": "2025.1", "versions": ["2025.1"], "needs_versions": {}},
        "mpi": {"name": "pympi", "default": "4.0.0", "versions": ["4.0.0"], "needs_versions": {}},
    }


def test_two_modules_of_one_role_are_refused_naming_the_second(tmp_path):
    (tmp_path / "platform.toml").write_text(ROLES.replace('role = "mpi"', 'role = "interpreter"'), encoding="utf-8")
    line = ROLES[: ROLES.index('role = "mpi"')].count("\n") + 1
    with pytest.raises(hpc_platform.PlatformError,
                       match=rf":{line}: modules\.pympi\.role: 'interpreter' is already the role of 'py'"):
        hpc_platform.load(tmp_path / "platform.toml")


NODE_SCRIPT = """
const JobScript = require(process.argv[1]);
const facts = JSON.parse(process.argv[2]);
const lines = (choice) => JobScript.build(choice, facts).map((line) => line[0]);
console.log(JSON.stringify({
  kinds: JobScript.kinds(facts),
  one: lines({}),
  pool: lines({kind: "pool", cores: "4", environment: "home"}),
  mpi: lines({kind: "mpi", tasks: "4", python: "3.12.1"}),
  check: JobScript.check({}, facts),
  review: JobScript.review("#!/bin/bash\\nsource ~/venv/a/bin/activate\\npython -u a.py\\n", facts),
}));
"""


def rules(facts: dict) -> dict:
    """What static/jobscript.js makes of `facts`, run by Node.js."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed (the Debian package nodejs)")
    result = subprocess.run([node, "-e", NODE_SCRIPT, str(STATIC / "jobscript.js"), json.dumps(facts)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_without_those_modules_the_rules_offer_no_mpi_job_and_load_no_module(built):
    found = rules(facts_of(built / "index.html"))
    assert found["kinds"] == ["one", "threads", "pool", "dask", "array"]
    assert found["check"] == []
    for script in (found["one"], found["pool"]):
        assert not [line for line in script if line.startswith("module")], script
        assert "\n\n\n" not in "\n".join(script), script  # one blank line where the modules would be
    assert found["pool"][-1] == "python -u program.py"
    assert found["review"] == []  # no module to load before the environment


def test_with_those_modules_the_rules_load_each_by_its_name(tmp_path):
    (tmp_path / "platform.toml").write_text(ROLES, encoding="utf-8")
    found = rules(builder_facts(hpc_platform.load(tmp_path / "platform.toml")))
    assert "mpi" in found["kinds"]
    assert "module load py/3.13.0 sci/2025.1" in found["one"]
    assert "module load py/3.12.1 sci/2025.1 pympi/4.0.0" in found["mpi"]
    assert found["review"] == [[2, "review.modules-first", ""]]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass


def test_the_form_in_chromium_has_no_field_for_modules_the_platform_lacks(built, tmp_path):
    """The form as a reader sees it, without a script error."""
    webdriver = pytest.importorskip("selenium.webdriver")
    binary = next((path for path in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if Path(path).exists()), None)
    if binary is None or not Path("/usr/bin/chromedriver").exists():
        pytest.skip("Chromium and chromedriver are not installed (the Debian packages chromium, chromium-driver)")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(built)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(flag)
    # Chromium keeps a profile, a cache and dconf settings under HOME: the test's own folder's.
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    home = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_CACHE_HOME": str(tmp_path / "cache")}
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver", env={**os.environ, **home}))
    try:
        driver.get(f"http://127.0.0.1:{server.server_port}/index.html")
        script = driver.find_element(By.CSS_SELECTOR, ".builder-script").text
        fields = [field.get_attribute("id") for field in driver.find_elements(By.CSS_SELECTOR, ".builder-field")]
        kinds = [kind.get_attribute("value") for kind in driver.find_elements(By.CSS_SELECTOR, "#builder-kind option")]
        errors = [entry["message"] for entry in driver.get_log("browser")
                  if entry["level"] == "SEVERE" and "/favicon.ico " not in entry["message"]]  # the site has none
    finally:
        driver.quit()
        server.shutdown()
        server.server_close()
    assert errors == []
    assert "builder-kind-field" in fields and "builder-partition-field" in fields
    assert "builder-python-field" not in fields and "builder-scipy-field" not in fields
    assert "mpi" not in kinds
    assert "#SBATCH --partition=batch" in script and "module" not in script
    assert script.rstrip().endswith("python -u program.py")
