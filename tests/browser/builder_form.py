"""The job-script builder's form as a reader fills it, in Chromium: its fields by name, its script."""
from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

PAGE = "howto/job-script-builder.html"
# The order a reader fills them in: the kind and the environment show or hide the fields after them.
FIELDS = ("kind", "cores", "tasks", "memory", "time", "partition", "gpus", "python", "scipy",
          "environment", "venv")


def set_field(driver: WebDriver, name: str, value: object) -> None:
    control = driver.find_element(By.ID, f"builder-{name}")
    if control.tag_name == "select":
        Select(control).select_by_value(str(value))
    else:
        control.clear()
        control.send_keys(str(value))


def fill(driver: WebDriver, choice: dict) -> None:
    """Set each field `choice` names, in the reader's order."""
    unknown = set(choice) - set(FIELDS)
    if unknown:
        raise KeyError(f"not fields of the builder: {sorted(unknown)}")
    for name in FIELDS:
        if name in choice:
            set_field(driver, name, choice[name])


def script_of(driver: WebDriver) -> str:
    """The script as the copy button copies it: the text of its <pre>, spaces and all."""
    return driver.execute_script("return document.querySelector('.builder-script').textContent")


def error_of(driver: WebDriver, name: str) -> str:
    return driver.find_element(By.ID, f"builder-{name}-error").text
