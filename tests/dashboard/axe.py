"""axe-core in a Playwright page: the WCAG 2.1 A and AA rules, serious and critical results only.

axe-core is pinned in package.json; `make test` installs it under node_modules/.
"""

from __future__ import annotations

from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")


def new_page(browser, viewport: dict):
    """A page that accepts the injected script: the site's Content-Security-Policy allows
    only its own scripts, which is right for the product and wrong for a test tool."""
    return browser.new_page(viewport=viewport, bypass_csp=True)


def axe_violations(page, targets: int = 3) -> list[str]:
    """Run axe-core on the page as it is now.

    Args:
      page: a Playwright page, loaded and settled.
      targets: how many offending elements to name per rule.
    Returns:
      One line per serious or critical rule broken: rule id, impact, what it asks for,
      how many elements break it and the CSS selectors of the first few.
    """
    assert AXE_JS.is_file(), f"{AXE_JS} is missing: `make test` installs axe-core (npm ci)"
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        TAGS,
    )
    lines = []
    for v in results["violations"]:
        if v["impact"] not in BLOCKING:
            continue
        shown = [" ".join(map(str, node["target"])) for node in v["nodes"][:targets]]
        more = f" (+{len(v['nodes']) - targets} more)" if len(v["nodes"]) > targets else ""
        lines.append(f"{v['id']} [{v['impact']}] {v['help']}: {len(v['nodes'])} x {', '.join(shown)}{more}")
    return lines


def check_pages(page, base_url: str, paths: dict[str, str]) -> dict[str, list[str]]:
    """Load each path and run axe-core on it; returns the pages that break a rule."""
    found = {}
    for name, path in paths.items():
        response = page.goto(f"{base_url}{path}")
        assert response and response.ok, f"{name} ({path}): {response and response.status}"
        page.wait_for_load_state("networkidle")
        if broken := axe_violations(page):
            found[f"{name} ({path})"] = broken
    return found


def report(found: dict[str, list[str]]) -> str:
    """Readable assertion message: each page, then one rule a line."""
    return "\n".join(f"{page}:\n  " + "\n  ".join(lines) for page, lines in found.items())
